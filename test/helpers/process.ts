/**
 * The real server as `npm start` runs it (node dist/src/main.js, compiled), in a child process, and the processes
 * it leaves behind: its process tree read from /proc, and that tree's memory.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { buildWhenStale } from '../../scripts/build-when-stale.mjs'
import { PROJECT_ROOT } from '../../src/server.js'

/** For what runs from source: the stand-ins of test/fixtures, and the earlier server they measure against. */
export const TSX = path.join(PROJECT_ROOT, 'node_modules/.bin/tsx')

/** What `npm start` runs once its prestart step has found dist/ current (or built it). */
export const SERVER_COMMAND: readonly string[] = [process.execPath, 'dist/src/main.js']
/**
 * `command` as a user's shell runs it: tap puts a module hook in NODE_OPTIONS of every process a test spawns (it
 * records them for coverage), which loads into every node process and loads modules on a thread of its own; a
 * user's have none. `env` removes it and then becomes the command (same pid).
 */
export const asUser = (command: readonly string[]): string[] => ['env', '-u', 'NODE_OPTIONS', ...command]

/** `npm start` itself: npm, its prestart step, then the server in npm's place (package.json's `exec`). */
export const NPM_START: readonly string[] = ['npm', 'start']

let built: Promise<unknown> | undefined
/**
 * dist/ current: `npm test` builds it before tap starts; this covers a test file run by itself (npx tap FILE) and a
 * source changed since. Cheap when current; test files running at once take turns if not, and one builds.
 */
export function ensureBuilt(): Promise<unknown> {
  return (built ??= buildWhenStale(PROJECT_ROOT))
}

export interface RunningServer {
  process: ChildProcess
  endpoint: string
  origin: string
  lines: Array<Record<string, unknown>>
  /** Milliseconds from spawn to the ready line. */
  startMs: number
  /** What it has written to standard error so far. */
  readonly stderr: string
}

/** `command`: the server as npm start runs it, or a stand-in that logs the same ready line; run in `cwd`. */
export async function startServer(env: Record<string, string>, command: readonly string[] = SERVER_COMMAND, cwd = PROJECT_ROOT): Promise<RunningServer> {
  await ensureBuilt()
  const started = performance.now()
  const child = spawn(command[0]!, command.slice(1), { cwd, env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: Array<Record<string, unknown>> = []
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`the server exited with ${code}: ${stderr}`)))
    createInterface({ input: child.stdout! }).on('line', (line) => {
      // Under npm start, npm's own lines (the script it runs) come first.
      if (!line.startsWith('{')) return
      const entry = JSON.parse(line) as Record<string, unknown>
      lines.push(entry)
      const ready = /give SuperOffice (\S+)/.exec(String(entry.msg))
      if (ready) resolve(ready[1]!)
    })
  })
  return {
    process: child,
    endpoint,
    origin: new URL(endpoint).origin,
    lines,
    startMs: performance.now() - started,
    get stderr() {
      return stderr
    },
  }
}

export function stopServer(running: { process: ChildProcess }): Promise<number | null> {
  if (running.process.exitCode !== null || running.process.signalCode !== null) return Promise.resolve(running.process.exitCode)
  return new Promise((resolve) => {
    running.process.on('exit', (code) => resolve(code))
    running.process.kill('SIGTERM')
  })
}

/** The pid and every descendant of it. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      // The command name may hold spaces and parentheses: the fields after the last ')' are fixed.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)])
    } catch {
      // ended meanwhile
    }
  }
  const all: number[] = []
  const queue = [root]
  while (queue.length > 0) {
    const pid = queue.shift()!
    all.push(pid)
    queue.push(...(children.get(pid) ?? []))
  }
  return all
}

export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
  } catch {
    return ''
  }
}

/**
 * Memory of a set of processes in kB: RSS summed (pages shared between them counted once per process), and PSS
 * (each shared page split among its users, so the sum is what the set really holds).
 */
export function memoryOf(pids: number[]): { rssKb: number; pssKb: number } {
  let rssKb = 0
  let pssKb = 0
  for (const pid of pids) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
      rssKb += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0)
      pssKb += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0)
    } catch {
      // ended meanwhile
    }
  }
  return { rssKb, pssKb }
}

/** Running (a zombie, ended but not yet reaped, is not). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

/** A TCP port on 127.0.0.1 free a moment ago. */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}
