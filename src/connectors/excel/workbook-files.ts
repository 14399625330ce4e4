/**
 * The connector's view of its workbook files: reads through the worker with a cache that is kept while the file
 * is unchanged (so a person's edit is seen on the next call), and read-modify-write changes under a lock that holds
 * across processes, redone when the file changed underneath.
 */
import { promises as fs } from 'node:fs'
import { Worker } from 'node:worker_threads'
import type { CacheStats, CallContext } from '../../connector/connector.js'
import { ConnectorFailure, ErrorCode } from '../../connector/errors.js'
import { FROM_SOURCE } from '../../layout.js'
import { sameVersion, type CellPatch, type FileVersion, type RawCell, type RawWorkbook } from './cells.js'
import type { WorkerFailureCode, WorkerRequest, WorkerResponse } from './protocol.js'
import { SizedLru } from './sized-lru.js'

type Payload = { version: FileVersion; workbook?: RawWorkbook }
type Entry<Book> = { version: FileVersion; book: Book; raw: RawWorkbook }
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

export class WorkbookFileError extends ConnectorFailure {
  constructor(
    readonly reason: WorkerFailureCode,
    explanation: string,
    /** The file system's error code (ENOSPC...), when the failure is one. */
    readonly errno?: string,
  ) {
    super(errorCodeOf(reason), explanation)
  }
}

/** Failures that pass by themselves (a save in progress) or once the operator acts (disk space) can be retried. */
function errorCodeOf(reason: WorkerFailureCode): string {
  switch (reason) {
    case 'BUSY':
    case 'CHANGED':
      return ErrorCode.WorkbookBusy
    case 'NO_SPACE':
    case 'READ_ONLY':
    case 'PERMISSION':
    case 'IO':
      return ErrorCode.FileStorage
    case 'TIMEOUT':
    case 'CRASHED':
      return ErrorCode.WorkbookBusy
    default:
      return ErrorCode.InvalidRequest
  }
}

/** How many times a change starts over on a file that someone else changed or is saving. */
const UPDATE_ATTEMPTS = 8
const WORKER_START_TIMEOUT_MS = 60_000
/**
 * Compiled, the worker is worker.js beside this file. From the source, worker threads do not inherit tsx's loader
 * (Node 20), so worker-entry.mjs registers it before loading worker.ts.
 */
const WORKER_SCRIPT = new URL(FROM_SOURCE ? './worker-entry.mjs' : './worker.js', import.meta.url)
/** Most changes in one rewrite; more wait for the next one. */
const MAX_GROUP = 16
/**
 * A rewrite that starts within MAX_GATHER_MS of the last one's end waits for as many more changes as that one answered
 * to gather, at most this share of the last rewrite's time and MAX_GATHER_MS (as PostgreSQL's commit_delay does
 * when other transactions are active): callers just answered are usually about to send their next change, which
 * would otherwise wait a whole rewrite. A change that arrives when no rewrite is running waits too when the last
 * rewrite answered two changes or more and ended less than MAX_GATHER_MS before: up to min(MAX_GATHER_MS, that
 * rewrite's time times GATHER_SHARE).
 */
const GATHER_SHARE = 0.5
const MAX_GATHER_MS = 250
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))


export interface WorkbookCacheLimits {
  /** Workbooks kept parsed, least recently used dropped first. */
  maxWorkbooks: number
  /** Their file sizes added up, in bytes (a parsed workbook takes several times its file size in memory). */
  maxBytes: number
  /** The longest one worker call (a parse or a write) may take before the worker is replaced, in ms. */
  callTimeoutMs: number
}

export const DEFAULT_CACHE_LIMITS: WorkbookCacheLimits = { maxWorkbooks: 64, maxBytes: 128 * 1024 * 1024, callTimeoutMs: 120_000 }

interface Change<Book> {
  plan: (book: Book) => { patches: CellPatch[]; answer: (written: Book) => unknown }
  resolve: (value: unknown) => void
  reject: (error: Error) => void
}

interface Pending {
  resolve: (p: Payload | undefined) => void
  reject: (e: Error) => void
  timer: NodeJS.Timeout | undefined
}

/**
 * `raw` with `patches` applied as the worker applies them to the file, without changing `raw` (a caller may still
 * hold the model built on it): only the patched rows are copied.
 */
export function patched(raw: RawWorkbook, patches: CellPatch[]): RawWorkbook {
  const sheets = new Map(raw.sheets.map((sheet) => [sheet.name, sheet]))
  const copied = new Map<string, { rows: RawCell[][]; touched: Set<number> }>()
  for (const patch of patches) {
    const sheet = sheets.get(patch.sheet)
    if (!sheet) continue
    let copy = copied.get(patch.sheet)
    if (!copy) copied.set(patch.sheet, (copy = { rows: sheet.rows.slice(), touched: new Set() }))
    while (copy.rows.length <= patch.row) copy.rows.push([])
    if (!copy.touched.has(patch.row)) {
      copy.rows[patch.row] = copy.rows[patch.row]!.slice()
      copy.touched.add(patch.row)
    }
    const row = copy.rows[patch.row]!
    while (row.length <= patch.col) row.push(null)
    row[patch.col] = typeof patch.value === 'number' && !Number.isFinite(patch.value) ? null : patch.value
  }
  for (const copy of copied.values()) {
    for (const index of copy.touched) {
      const row = copy.rows[index]!
      while (row.length > 0 && row[row.length - 1] === null) row.pop()
    }
    while (copy.rows.length > 0 && copy.rows[copy.rows.length - 1]!.length === 0) copy.rows.pop()
  }
  return { sheets: raw.sheets.map((sheet) => (copied.has(sheet.name) ? { name: sheet.name, rows: copied.get(sheet.name)!.rows } : sheet)) }
}

export class WorkbookFiles<Book> {
  private worker: Worker | undefined
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private readonly cache: SizedLru<Entry<Book>>
  private readonly loading = new Map<string, Promise<Entry<Book>>>()
  private readonly limits: WorkbookCacheLimits
  /** Per workbook: the changes waiting for the next rewrite, and the rewrite running or queued last. */
  private readonly openGroups = new Map<string, Change<Book>[]>()
  private readonly rewrites = new Map<string, Promise<void>>()
  /** Per workbook: how many changes the last rewrite answered, how long it took, and when it ended. */
  private readonly lastRewrites = new Map<string, { answered: number; ms: number; endedAt: number }>()
  /** Per workbook: the group waiting for more changes before its rewrite starts, and how to start it early. */
  private readonly gathering = new Map<string, { group: Change<Book>[]; target: number; start: () => void }>()
  private rewritesDone = 0
  private readonly deadThreads = new Set<number>()
  /** A folder to sweep before the worker's first call (see {@link sweepBeforeFirstCall}). */
  private sweepFirst: string | undefined
  private readonly stats: CacheStats = { hits: 0, misses: 0, parses: 0, parseSeconds: 0 }

  /**
   * @param interpret turns a parsed workbook into the connector's model; it runs once per file version read, and
   * once per change, with the model before the change and its cells (so that it can read only what they touch).
   */
  constructor(
    private readonly interpret: (raw: RawWorkbook, earlier?: { book: Book; patches: readonly CellPatch[] }) => Book,
    limits: Partial<WorkbookCacheLimits> = {},
  ) {
    this.limits = { ...DEFAULT_CACHE_LIMITS, ...limits }
    this.cache = new SizedLru(this.limits.maxWorkbooks, this.limits.maxBytes)
  }

  /** How many workbooks are kept parsed, and their file sizes added up (for tests and metrics). */
  cacheSize(): { workbooks: number; bytes: number } {
    return { workbooks: this.cache.size, bytes: this.cache.bytes }
  }

  /** Reads answered from the cache or not, and the parses the misses took (for /metrics). */
  cacheStats(): CacheStats {
    return { ...this.stats }
  }

  /** Drops what is kept of a workbook (here and in the worker), e.g. when no connection uses it any more. */
  async forget(path: string): Promise<void> {
    this.cache.delete(path)
    for (const key of this.lastRewrites.keys()) if (key.endsWith(`\u0000${path}`)) this.lastRewrites.delete(key)
    if (this.worker) await this.call({ op: 'forget', path }).catch(() => undefined)
  }

  /**
   * The workbook as it is on disk now; while someone else is saving it, the last content read is used.
   */
  async read(path: string): Promise<Book> {
    try {
      return (await this.current(path)).book
    } catch (error) {
      const cached = this.cache.peek(path)
      if (cached && error instanceof WorkbookFileError && error.reason === 'BUSY') return cached.book
      throw error
    }
  }

  /**
   * Changes a workbook: `plan` sees the current workbook and returns cells to set, under a lock on `lockKey`;
   * if the file changes between reading and writing (a person saving it in Excel), or is being saved by someone
   * else, the plan runs again on the newer file.
   *
   * Changes that arrive while the workbook is being rewritten go into the next rewrite together: each plan sees
   * the workbook with the earlier plans' cells set, a plan that fails fails its own request only, and every
   * request is answered once the one rewrite holding them all is on disk.
   */
  async update<R>(ctx: CallContext, lockKey: string, path: string, plan: (book: Book) => { patches: CellPatch[]; answer: (written: Book) => R }): Promise<R> {
    const key = `${lockKey}\u0000${path}`
    return new Promise<R>((resolve, reject) => {
      const change: Change<Book> = { plan, resolve: resolve as (value: unknown) => void, reject }
      const open = this.openGroups.get(key)
      if (open && open.length < MAX_GROUP) {
        open.push(change)
        const gathering = this.gathering.get(key)
        if (gathering?.group === open && open.length >= gathering.target) gathering.start()
        return
      }
      const group = [change]
      this.openGroups.set(key, group)
      const running = this.rewrites.get(key)
      const done = (running ?? Promise.resolve()).then(async () => {
        await this.gather(key, group, running !== undefined)
        // From here on, new changes wait for the next rewrite.
        if (this.openGroups.get(key) === group) this.openGroups.delete(key)
        return this.rewrite(ctx, key, lockKey, path, group)
      })
      this.rewrites.set(key, done)
      void done.finally(() => {
        if (this.rewrites.get(key) === done) this.rewrites.delete(key)
      })
    })
  }

  /** How many rewrites of workbooks this has done (for tests: grouped changes share one). */
  rewriteCount(): number {
    return this.rewritesDone
  }

  /**
   * Waits (see GATHER_SHARE) until `group` holds, besides the changes that queued during the rewrite just before
   * it (`queued`: it was running when the group began), as many as that rewrite answered.
   */
  private async gather(key: string, group: Change<Book>[], queued: boolean): Promise<void> {
    const last = this.lastRewrites.get(key)
    if (!last || performance.now() - last.endedAt > MAX_GATHER_MS) return
    const target = Math.min(MAX_GROUP, (queued ? group.length : 0) + last.answered)
    if (group.length >= target) return
    await new Promise<void>((resolve) => {
      const start = () => {
        clearTimeout(timer)
        if (this.gathering.get(key)?.group === group) this.gathering.delete(key)
        resolve()
      }
      const timer = setTimeout(start, Math.min(MAX_GATHER_MS, last.ms * GATHER_SHARE))
      this.gathering.set(key, { group, target, start })
    })
  }

  private async rewrite(ctx: CallContext, key: string, lockKey: string, path: string, group: Change<Book>[]): Promise<void> {
    const started = performance.now()
    try {
      await ctx.exclusive(lockKey, async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            const base = await this.current(path)
            let { raw, book } = base
            const planned: { change: Change<Book>; book: Book; answer: (written: Book) => unknown }[] = []
            const refused: { change: Change<Book>; error: unknown }[] = []
            const patches: CellPatch[] = []
            for (const change of group) {
              // Yield between plans, so that a group on a large workbook does not hold up every other call.
              if (planned.length + refused.length > 0) await new Promise((resolve) => setImmediate(resolve))
              try {
                const step = change.plan(book)
                if (step.patches.length > 0) {
                  // Taken only once the model accepts them: a refused change's cells must not reach the cache.
                  const changedRaw = patched(raw, step.patches)
                  book = this.interpret(changedRaw, { book, patches: step.patches })
                  raw = changedRaw
                  patches.push(...step.patches)
                }
                planned.push({ change, book, answer: step.answer })
              } catch (error) {
                refused.push({ change, error })
              }
            }
            if (patches.length > 0) {
              const written = await this.call({ op: 'write', path, base: base.version, patches })
              this.rewritesDone++
              // The written model is the cache: the read model with the same patches, the file is not parsed again.
              this.keep(path, { version: written!.version, book, raw })
            }
            const ended = performance.now()
            this.lastRewrites.set(key, { answered: group.length, ms: ended - started, endedAt: ended })
            for (const { change, error } of refused) change.reject(error as Error)
            for (const { change, book: written, answer } of planned) {
              try {
                change.resolve(answer(written))
              } catch (error) {
                change.reject(error as Error)
              }
            }
            return
          } catch (error) {
            if (!(error instanceof WorkbookFileError && (error.reason === 'CHANGED' || error.reason === 'BUSY')) || attempt >= UPDATE_ATTEMPTS) throw error
            if (error.reason === 'BUSY') await sleep(100 * attempt)
          }
        }
      })
    } catch (error) {
      this.lastRewrites.delete(key)
      for (const change of group) change.reject(error as Error)
    }
  }

  /** Creates the workbook from `template` unless it exists; true when it was created. */
  async create(ctx: CallContext, lockKey: string, path: string, template: RawWorkbook): Promise<boolean> {
    return ctx.exclusive(lockKey, async () => {
      try {
        this.remember(path, (await this.call({ op: 'create', path, workbook: template }))!)
        return true
      } catch (error) {
        if (error instanceof WorkbookFileError && error.reason === 'EXISTS') return false
        throw error
      }
    })
  }

  /** Removes what writers that died left under `root` (temporary files; a workbook moved aside is put back). */
  async sweep(root: string): Promise<void> {
    await this.call({ op: 'sweep', path: root })
  }

  /**
   * {@link sweep} for a server's start, done by the worker before its first call rather than now: the worker (and
   * sheetjs, about 30 MB) is loaded only once a call needs a workbook, and that call still finds the folder swept.
   */
  sweepBeforeFirstCall(root: string): void {
    this.sweepFirst = root
  }

  async close(): Promise<void> {
    const worker = this.worker
    this.worker = undefined
    for (const [, waiting] of this.pending) {
      clearTimeout(waiting.timer)
      waiting.reject(new WorkbookFileError('IO', 'the server is shutting down'))
    }
    this.pending.clear()
    await worker?.terminate()
  }

  private async current(path: string): Promise<Entry<Book>> {
    let version: FileVersion | undefined
    try {
      const stat = await fs.stat(path)
      version = { mtimeMs: stat.mtimeMs, size: stat.size, ino: stat.ino }
    } catch {
      version = undefined
    }
    const cached = this.cache.get(path)
    if (cached && sameVersion(cached.version, version)) {
      this.stats.hits++
      return cached
    }
    this.stats.misses++
    // Concurrent calls for a changed file share one parse.
    let load = this.loading.get(path)
    if (!load) {
      const started = process.hrtime.bigint()
      load = this.call({ op: 'read', path })
        .then((payload) => {
          this.remember(path, payload!)
          this.stats.parses++
          this.stats.parseSeconds += Number(process.hrtime.bigint() - started) / 1e9
          return this.cache.get(path)!
        })
        .finally(() => this.loading.delete(path))
      this.loading.set(path, load)
    }
    return load
  }

  private remember(path: string, payload: Payload): Book {
    const raw = payload.workbook!
    const book = this.interpret(raw)
    this.keep(path, { version: payload.version, book, raw })
    return book
  }

  private keep(path: string, entry: Entry<Book>): void {
    this.cache.set(path, entry, entry.version.size)
  }

  private call(request: DistributiveOmit<WorkerRequest, 'id'>): Promise<Payload | undefined> {
    const worker = this.ensureWorker()
    const id = this.nextId++
    return new Promise<Payload | undefined>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, timer: undefined })
      worker.ref()
      worker.postMessage({ ...request, id } as WorkerRequest)
    })
  }

  /** Ends a worker that hung or died: every call waiting on it fails with a clear error; the next call starts a new one. */
  private replaceWorker(worker: Worker, reason: 'TIMEOUT' | 'CRASHED'): void {
    if (this.worker !== worker) return
    this.worker = undefined
    // It may have been between moving a workbook aside and linking the new one: its successor puts that back.
    this.deadThreads.add(worker.threadId)
    const message =
      reason === 'TIMEOUT'
        ? `the workbook could not be read or written within ${Math.round(this.limits.callTimeoutMs / 1000)} s (it may be too large or damaged)`
        : 'the workbook reader stopped unexpectedly (the workbook may be damaged)'
    for (const [, waiting] of this.pending) {
      clearTimeout(waiting.timer)
      waiting.reject(new WorkbookFileError(reason, message))
    }
    this.pending.clear()
    void worker.terminate()
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker
    const worker = new Worker(WORKER_SCRIPT, {
      workerData: { maxWorkbooks: this.limits.maxWorkbooks, maxBytes: this.limits.maxBytes, deadThreads: [...this.deadThreads] },
    })
    // A worker that does not start (loading its code takes a second or two) is as stuck as one that does not finish.
    const starting = setTimeout(() => this.replaceWorker(worker, 'TIMEOUT'), Math.max(this.limits.callTimeoutMs, WORKER_START_TIMEOUT_MS))
    starting.unref()
    worker.on('message', (response: WorkerResponse | 'ready' | { started: number }) => {
      if (response === 'ready') return clearTimeout(starting)
      if ('started' in response) {
        // The worker does one call at a time, so one that takes too long holds up every workbook: replace it.
        const started = this.pending.get(response.started)
        if (started) {
          started.timer = setTimeout(() => this.replaceWorker(worker, 'TIMEOUT'), this.limits.callTimeoutMs)
          started.timer.unref()
        }
        return
      }
      const waiting = this.pending.get(response.id)
      this.pending.delete(response.id)
      if (this.pending.size === 0) worker.unref()
      if (!waiting) return
      clearTimeout(waiting.timer)
      if (response.ok) waiting.resolve(response.version ? { version: response.version, workbook: response.workbook } : undefined)
      else waiting.reject(new WorkbookFileError(response.code, response.message, response.errno))
    })
    worker.on('error', () => this.replaceWorker(worker, 'CRASHED'))
    worker.on('exit', () => this.replaceWorker(worker, 'CRASHED'))
    worker.unref()
    this.worker = worker
    const root = this.sweepFirst
    this.sweepFirst = undefined
    // The worker takes one message at a time, in order: the sweep is done before the call that started it.
    if (root !== undefined) void this.call({ op: 'sweep', path: root }).catch(() => undefined)
    return worker
  }
}
