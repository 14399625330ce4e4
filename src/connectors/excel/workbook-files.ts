/**
 * The connector's view of its workbook files: reads through the worker with a cache that is kept while the file
 * is unchanged (so a person's edit is seen on the next call), and read-modify-write changes under a lock that holds
 * across processes, redone when the file changed underneath.
 */
import { promises as fs } from 'node:fs'
import { Worker } from 'node:worker_threads'
import type { CallContext } from '../../connector/connector.js'
import { ConnectorFailure, ErrorCode } from '../../connector/errors.js'
import { sameVersion, type CellPatch, type FileVersion, type RawWorkbook } from './cells.js'
import type { WorkerFailureCode, WorkerRequest, WorkerResponse } from './protocol.js'

type Payload = { version: FileVersion; workbook: RawWorkbook }
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

export class WorkbookFileError extends ConnectorFailure {
  constructor(
    readonly reason: WorkerFailureCode,
    explanation: string,
  ) {
    super(ErrorCode.InvalidRequest, explanation)
  }
}


export class WorkbookFiles<Book> {
  private worker: Worker | undefined
  private readonly pending = new Map<number, { resolve: (p: Payload) => void; reject: (e: Error) => void }>()
  private nextId = 1
  private readonly cache = new Map<string, { version: FileVersion; book: Book }>()
  private readonly loading = new Map<string, Promise<{ version: FileVersion; book: Book }>>()

  /**
   * @param interpret turns a parsed workbook into the connector's model; it runs once per file version.
   */
  constructor(private readonly interpret: (raw: RawWorkbook, path: string) => Book) {}

  /** The workbook as it is on disk now. */
  async read(path: string): Promise<Book> {
    return (await this.current(path)).book
  }

  /**
   * Changes a workbook: `plan` sees the current workbook and returns cells to set, under a lock on `lockKey`;
   * if the file changes between reading and writing (a person saving it in Excel), the plan runs again.
   */
  async update<R>(ctx: CallContext, lockKey: string, path: string, plan: (book: Book) => { patches: CellPatch[]; answer: (written: Book) => R }): Promise<R> {
    return ctx.exclusive(lockKey, async () => {
      for (let attempt = 1; ; attempt++) {
        const { version, book } = await this.current(path)
        const change = plan(book)
        if (change.patches.length === 0) return change.answer(book)
        try {
          const written = await this.call({ op: 'write', path, base: version, patches: change.patches })
          return change.answer(this.remember(path, written))
        } catch (error) {
          if (!(error instanceof WorkbookFileError && error.reason === 'CHANGED') || attempt >= 5) throw error
        }
      }
    })
  }

  /** Creates the workbook from `template` unless it exists; true when it was created. */
  async create(ctx: CallContext, lockKey: string, path: string, template: RawWorkbook): Promise<boolean> {
    return ctx.exclusive(lockKey, async () => {
      try {
        this.remember(path, await this.call({ op: 'create', path, workbook: template }))
        return true
      } catch (error) {
        if (error instanceof WorkbookFileError && error.reason === 'EXISTS') return false
        throw error
      }
    })
  }

  async close(): Promise<void> {
    const worker = this.worker
    this.worker = undefined
    await worker?.terminate()
  }

  private async current(path: string): Promise<{ version: FileVersion; book: Book }> {
    let version: FileVersion | undefined
    try {
      const stat = await fs.stat(path)
      version = { mtimeMs: stat.mtimeMs, size: stat.size, ino: stat.ino }
    } catch {
      version = undefined
    }
    const cached = this.cache.get(path)
    if (cached && sameVersion(cached.version, version)) return cached
    // Concurrent calls for a changed file share one parse.
    let load = this.loading.get(path)
    if (!load) {
      load = this.call({ op: 'read', path })
        .then((payload) => ({ version: payload.version, book: this.remember(path, payload) }))
        .finally(() => this.loading.delete(path))
      this.loading.set(path, load)
    }
    return load
  }

  private remember(path: string, payload: Payload): Book {
    const book = this.interpret(payload.workbook, path)
    this.cache.set(path, { version: payload.version, book })
    return book
  }

  private call(request: DistributiveOmit<WorkerRequest, 'id'>): Promise<Payload> {
    const worker = this.ensureWorker()
    const id = this.nextId++
    return new Promise<Payload>((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      worker.ref()
      worker.postMessage({ ...request, id } as WorkerRequest)
    })
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker
    const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url))
    worker.on('message', (response: WorkerResponse) => {
      const waiting = this.pending.get(response.id)
      this.pending.delete(response.id)
      if (this.pending.size === 0) worker.unref()
      if (!waiting) return
      if (response.ok) waiting.resolve({ version: response.version, workbook: response.workbook })
      else waiting.reject(new WorkbookFileError(response.code, response.message))
    })
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined
      for (const [, waiting] of this.pending) waiting.reject(new Error(`the workbook worker stopped: ${error.message}`))
      this.pending.clear()
    }
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)))
    worker.unref()
    this.worker = worker
    return worker
  }
}
