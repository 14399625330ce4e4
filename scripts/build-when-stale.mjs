#!/usr/bin/env node
// Before `npm start` (and the other commands that run compiled code): builds dist/ with tsc when it is missing or
// older than the TypeScript it is compiled from, and does nothing, reading only file times, when it is current.
// Plain JavaScript, so that it runs where TypeScript is not installed (`npm ci --omit=dev` with a current dist/).
import { spawnSync } from 'node:child_process'
import { existsSync, linkSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const BUILD_CONFIG = 'tsconfig.build.json'
/** Besides the sources, the compiler settings: a change to them changes the output too. */
const SETTINGS = ['tsconfig.json', BUILD_CONFIG]
const SOURCE = /(?<!\.d)\.([mc]?)ts$/
const LOCK_WAIT_MS = 10 * 60_000

export class BuildError extends Error {}

/** What the build reads and writes: tsconfig.build.json's folders, and its outDir relative to the package. */
function buildLayout(root) {
  const config = JSON.parse(readFileSync(path.join(root, BUILD_CONFIG), 'utf8'))
  return { include: config.include, outDir: config.compilerOptions.outDir }
}

function filesUnder(root, folder, pattern) {
  const found = []
  let entries
  try {
    // Sorted, so that what is reported does not depend on the order the file system lists them in.
    entries = readdirSync(path.join(root, folder), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  } catch (error) {
    if (error.code === 'ENOENT') return found
    throw error
  }
  for (const entry of entries) {
    const relative = path.join(folder, entry.name)
    if (entry.isDirectory()) found.push(...filesUnder(root, relative, pattern))
    else if (pattern.test(entry.name)) found.push(relative)
  }
  return found
}

const mtimeOf = (file) => statSync(file, { throwIfNoEntry: false })?.mtimeMs

/**
 * Why dist/ must be built again, or undefined when it is current: every source has its compiled file, none is
 * newer than the oldest compiled file, and no compiled file is left from a source removed or renamed. A package
 * without its sources (src/ not there) runs the dist/ it has.
 * @param {string} root the package's folder
 * @returns {string | undefined}
 */
export function whyStale(root) {
  const { include, outDir } = buildLayout(root)
  const sources = include.flatMap((folder) => filesUnder(root, folder, SOURCE))
  if (sources.length === 0) return undefined
  if (!existsSync(path.join(root, outDir))) return `${outDir}/ has not been built yet`
  const compiledFrom = new Map(sources.map((source) => [path.join(outDir, source.replace(SOURCE, '.$1js')), source]))
  let oldest
  for (const [compiled, source] of compiledFrom) {
    const time = mtimeOf(path.join(root, compiled))
    if (time === undefined) return `${compiled} (from ${source}) is missing`
    if (oldest === undefined || time < oldest.time) oldest = { compiled, time }
  }
  for (const source of [...sources, ...SETTINGS]) {
    const time = mtimeOf(path.join(root, source))
    if (time !== undefined && time > oldest.time) return `${source} is newer than ${oldest.compiled}`
  }
  for (const compiled of include.flatMap((folder) => filesUnder(root, path.join(outDir, folder), /\.[mc]?js$/))) {
    if (!compiledFrom.has(compiled)) return `${compiled} has no source any more`
  }
  return undefined
}

function isRunning(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return error.code === 'EPERM'
  }
}

/**
 * Holds `lock` (a file naming this process) while `work` runs. Another holder that is still running is waited for;
 * one that ended without letting go (killed) is taken over.
 */
async function withLock(lock, work) {
  const started = Date.now()
  // Written whole beside the lock, then linked in its place: the lock never exists without the holder's pid in it.
  const claim = `${lock}.${process.pid}`
  writeFileSync(claim, String(process.pid))
  try {
    for (;;) {
      try {
        linkSync(claim, lock)
        break
      } catch (error) {
        if (error.code !== 'EEXIST') throw error
      }
      let holder
      try {
        holder = Number(readFileSync(lock, 'utf8'))
      } catch (error) {
        if (error.code === 'ENOENT') continue
        throw error
      }
      if (!(holder > 0 && isRunning(holder))) {
        rmSync(lock, { force: true })
        continue
      }
      if (Date.now() - started > LOCK_WAIT_MS) {
        throw new BuildError(`another build (process ${holder}, holding ${path.basename(lock)}) has not finished in ${LOCK_WAIT_MS / 60_000} minutes`)
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  } finally {
    unlinkSync(claim)
  }
  try {
    return await work()
  } finally {
    unlinkSync(lock)
  }
}

function typescriptCompiler(root) {
  try {
    return createRequire(path.join(root, 'package.json')).resolve('typescript/bin/tsc')
  } catch {
    return undefined
  }
}

/**
 * Builds dist/ when {@link whyStale} says so: into a folder of its own, then put in place of the old one, so that a
 * failed or interrupted build leaves the last good dist/. Builds by several processes at once (test files starting
 * servers) take turns under a lock, and each looks again once it has the lock: one builds, the others find it done.
 * @param {string} root the package's folder
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {Promise<'current' | 'built'>}
 */
export async function buildWhenStale(root, options = {}) {
  const log = options.log ?? ((line) => console.error(line))
  if (whyStale(root) === undefined) return 'current'
  const { outDir } = buildLayout(root)
  const target = path.join(root, outDir)
  return withLock(`${target}.lock`, async () => {
    const reason = whyStale(root)
    if (reason === undefined) return 'current'
    const tsc = typescriptCompiler(root)
    if (!tsc) {
      throw new BuildError(
        `${outDir}/ needs building (${reason}), but TypeScript is not installed (npm ci --omit=dev leaves it out): run npm ci, then npm run build, then this command again.`,
      )
    }
    for (const left of readdirSync(root).filter((name) => name.startsWith(`${outDir}.building-`) || name.startsWith(`${outDir}.old-`))) {
      rmSync(path.join(root, left), { recursive: true, force: true })
    }
    log(`Building ${outDir}/ with tsc (${reason})…`)
    const building = `${target}.building-${process.pid}`
    // Compiled files get the time the build started, not when they were written: a source saved meanwhile is
    // newer than them, and the next check builds again.
    const startedAt = new Date()
    const result = spawnSync(process.execPath, [tsc, '-p', BUILD_CONFIG, '--outDir', building], { cwd: root, stdio: ['ignore', 2, 2] })
    if (result.status !== 0) {
      rmSync(building, { recursive: true, force: true })
      throw new BuildError(`tsc could not build ${outDir}/ (its messages are above); ${existsSync(target) ? `the previous ${outDir}/ is left as it was` : 'nothing was built'}.`)
    }
    for (const compiled of filesUnder(building, '.', /\.[mc]?js$/)) utimesSync(path.join(building, compiled), startedAt, startedAt)
    const old = `${target}.old-${process.pid}`
    if (existsSync(target)) renameSync(target, old)
    renameSync(building, target)
    rmSync(old, { recursive: true, force: true })
    return 'built'
  })
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  try {
    await buildWhenStale(root)
  } catch (error) {
    if (!(error instanceof BuildError)) throw error
    console.error(error.message)
    process.exit(1)
  }
}
