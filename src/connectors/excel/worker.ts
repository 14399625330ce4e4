/**
 * The workbook worker: every sheetjs parse and write happens on this thread, so a large workbook never stalls the
 * server's event loop, and what a crafted file does to sheetjs's objects stays here. It answers with plain data.
 * Writes replace the file atomically (temporary file beside it, fsync, rename, fsync of the folder), so a crash at
 * any moment leaves the old workbook or the new one.
 */
import { randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { parentPort } from 'node:worker_threads'
import XLSX from 'sheetjs-style'
import { isDateCell, sameVersion, type CellPatch, type FileVersion, type RawCell, type RawSheet, type RawWorkbook } from './cells.js'
import type { WorkerFailureCode, WorkerRequest, WorkerResponse } from './protocol.js'
import { openZip } from './zip.js'


export const MAX_FILE_BYTES = 64 * 1024 * 1024
const MAX_ROWS = 250_000
const MAX_COLUMNS = 512
const DATE_FORMAT = 'yyyy-mm-dd hh:mm:ss'
const HEADER_STYLE = {
  font: { bold: true, color: { rgb: 'FFFFFFFF' } },
  fill: { patternType: 'solid' as const, fgColor: { rgb: 'FF1F4E78' } },
  alignment: { vertical: 'center' as const },
}

class WorkerFailure extends Error {
  constructor(
    readonly code: WorkerFailureCode,
    message: string,
  ) {
    super(message)
  }
}

const cache = new Map<string, { version: FileVersion; book: XLSX.WorkBook }>()

async function versionOf(file: string): Promise<FileVersion> {
  const stat = await fs.stat(file)
  return { mtimeMs: stat.mtimeMs, size: stat.size, ino: stat.ino }
}

async function load(file: string): Promise<{ version: FileVersion; book: XLSX.WorkBook }> {
  let version: FileVersion
  try {
    version = await versionOf(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new WorkerFailure('NOT_FOUND', `${path.basename(file)} does not exist`)
    throw error
  }
  const cached = cache.get(file)
  if (cached && sameVersion(cached.version, version)) return cached
  if (version.size > MAX_FILE_BYTES) throw new WorkerFailure('TOO_LARGE', `${path.basename(file)} is larger than ${MAX_FILE_BYTES} bytes`)
  if ((await fs.stat(file)).isDirectory()) throw new WorkerFailure('NOT_A_WORKBOOK', `${path.basename(file)} is a folder, not a file`)
  const bytes = await fs.readFile(file)
  // sheetjs reads almost anything (plain text becomes a one-sheet CSV book); an .xlsx is a ZIP package.
  if (bytes.subarray(0, 4).toString('latin1') !== 'PK\u0003\u0004') {
    throw new WorkerFailure('NOT_A_WORKBOOK', `${path.basename(file)} is not an .xlsx file (not a ZIP package)`)
  }
  let book: XLSX.WorkBook
  try {
    book = XLSX.read(bytes, { type: 'buffer', cellStyles: true, cellNF: true, cellDates: false, cellFormula: false, cellHTML: false })
  } catch (error) {
    throw new WorkerFailure('NOT_A_WORKBOOK', `${path.basename(file)} is not an Excel workbook (${(error as Error).message})`)
  }
  if (!Array.isArray(book.SheetNames) || book.SheetNames.length === 0) {
    throw new WorkerFailure('NOT_A_WORKBOOK', `${path.basename(file)} is not an Excel workbook (no sheets)`)
  }
  // The file may have changed while it was read; keep what was read under the version seen after reading.
  const after = await versionOf(file)
  const entry = { version: after, book }
  cache.set(file, entry)
  return entry
}

function toRaw(book: XLSX.WorkBook): RawWorkbook {
  const sheets: RawSheet[] = []
  for (const name of book.SheetNames) {
    const sheet = book.Sheets[name]
    const rows: RawCell[][] = []
    if (sheet && typeof sheet['!ref'] === 'string') {
      const range = XLSX.utils.decode_range(sheet['!ref'])
      if (range.e.r >= MAX_ROWS || range.e.c >= MAX_COLUMNS) {
        throw new WorkerFailure('TOO_LARGE', `sheet ${String(name)} is larger than ${MAX_ROWS} rows or ${MAX_COLUMNS} columns`)
      }
      for (let r = 0; r <= range.e.r; r++) {
        const row: RawCell[] = []
        for (let c = 0; c <= range.e.c; c++) {
          const cell = sheet[XLSX.utils.encode_cell({ r, c })] as XLSX.CellObject | undefined
          row.push(cell ? rawOf(cell) : null)
        }
        while (row.length > 0 && row[row.length - 1] === null) row.pop()
        rows.push(row)
      }
    }
    while (rows.length > 0 && rows[rows.length - 1]!.length === 0) rows.pop()
    sheets.push({ name: String(name), rows })
  }
  return { sheets }
}

function rawOf(cell: XLSX.CellObject): RawCell {
  switch (cell.t) {
    case 's':
      return typeof cell.v === 'string' ? cell.v : String(cell.v ?? '')
    case 'n':
      if (typeof cell.v !== 'number' || !Number.isFinite(cell.v)) return null
      return typeof cell.z === 'string' && XLSX.SSF.is_date(cell.z) ? { serial: cell.v } : cell.v
    case 'b':
      return cell.v === true
    default:
      return null
  }
}

function cellOf(value: RawCell, existing?: XLSX.CellObject): XLSX.CellObject | undefined {
  if (value === null) return undefined
  if (typeof value === 'string') return { t: 's', v: value }
  if (typeof value === 'boolean') return { t: 'b', v: value }
  if (typeof value === 'number') return { t: 'n', v: value }
  // Keep a date format the person chose for the cell.
  const z = typeof existing?.z === 'string' && XLSX.SSF.is_date(existing.z) ? existing.z : DATE_FORMAT
  return { t: 'n', v: value.serial, z }
}

function applyPatches(book: XLSX.WorkBook, patches: CellPatch[]): void {
  for (const patch of patches) {
    let sheet = book.Sheets[patch.sheet]
    if (!sheet) throw new WorkerFailure('IO', `the workbook has no sheet ${patch.sheet}`)
    const ref = XLSX.utils.encode_cell({ r: patch.row, c: patch.col })
    const cell = cellOf(patch.value, sheet[ref] as XLSX.CellObject | undefined)
    if (cell) sheet[ref] = cell
    else delete sheet[ref]
    const range = sheet['!ref'] ? XLSX.utils.decode_range(sheet['!ref']) : { s: { r: 0, c: 0 }, e: { r: 0, c: 0 } }
    range.e.r = Math.max(range.e.r, patch.row)
    range.e.c = Math.max(range.e.c, patch.col)
    sheet['!ref'] = XLSX.utils.encode_range(range)
  }
}

/** Styles sheetjs does not read back are put on again at every write: header row, date formats. */
function dress(book: XLSX.WorkBook): void {
  for (const name of book.SheetNames) {
    const sheet = book.Sheets[name]
    if (!sheet || !sheet['!ref']) continue
    const range = XLSX.utils.decode_range(sheet['!ref'])
    const widths: number[] = []
    for (let r = range.s.r; r <= range.e.r; r++) {
      for (let c = range.s.c; c <= range.e.c; c++) {
        const cell = sheet[XLSX.utils.encode_cell({ r, c })] as (XLSX.CellObject & { s?: unknown }) | undefined
        if (!cell) continue
        if (r === 0) cell.s = HEADER_STYLE
        else if (cell.t === 'n' && typeof cell.z === 'string' && XLSX.SSF.is_date(cell.z)) cell.s = { numFmt: cell.z }
        else delete cell.s
        const shown = cell.t === 'n' && typeof cell.z === 'string' && XLSX.SSF.is_date(cell.z) ? DATE_FORMAT.length : String(cell.v ?? '').length
        widths[c] = Math.max(widths[c] ?? 0, shown)
      }
    }
    if (!Array.isArray(sheet['!cols']) || sheet['!cols'].length === 0) {
      sheet['!cols'] = widths.map((w) => ({ wch: Math.min(60, Math.max(8, w + 2)) }))
    }
  }
}

function serialise(book: XLSX.WorkBook): Buffer {
  dress(book)
  const bytes = XLSX.write(book, { type: 'buffer', bookType: 'xlsx', bookSST: true, compression: true }) as Buffer
  // sheetjs cannot write panes: the frozen header row is put into each sheet's XML afterwards.
  const zip = openZip(bytes)
  for (let i = 1; i <= book.SheetNames.length; i++) {
    const name = `xl/worksheets/sheet${i}.xml`
    const sheet = zip.file(name)
    if (!sheet) continue
    const frozen = sheet
      .asText()
      .replace(
        /<sheetView ([^>]*?)\/>/,
        '<sheetView $1><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView>',
      )
    zip.file(name, frozen)
  }
  return zip.generate({ type: 'nodebuffer', compression: 'DEFLATE' })
}

async function writeTemporary(file: string, bytes: Buffer): Promise<string> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  const handle = await fs.open(temporary, 'wx', 0o644)
  try {
    await handle.writeFile(bytes)
    await handle.sync()
  } finally {
    await handle.close()
  }
  return temporary
}

async function syncFolder(file: string): Promise<void> {
  const folder = await fs.open(path.dirname(file), 'r')
  try {
    await folder.sync()
  } finally {
    await folder.close()
  }
}

/** Temporary files of writers that died: older than a minute, never one being written. */
async function sweep(file: string): Promise<void> {
  const prefix = `.${path.basename(file)}.`
  const folder = path.dirname(file)
  for (const entry of await fs.readdir(folder)) {
    if (!entry.startsWith(prefix) || !entry.endsWith('.tmp')) continue
    const full = path.join(folder, entry)
    const stat = await fs.stat(full).catch(() => undefined)
    if (stat && Date.now() - stat.mtimeMs > 60_000) await fs.unlink(full).catch(() => undefined)
  }
}

async function write(file: string, base: FileVersion, patches: CellPatch[]): Promise<{ version: FileVersion; workbook: RawWorkbook }> {
  const current = await load(file)
  if (!sameVersion(current.version, base)) throw new WorkerFailure('CHANGED', `${path.basename(file)} changed since it was read`)
  try {
    applyPatches(current.book, patches)
    const temporary = await writeTemporary(file, serialise(current.book))
    await fs.rename(temporary, file)
    await syncFolder(file)
  } catch (error) {
    // The cached book may hold half of the patches now: forget it, the file on disk is the truth.
    cache.delete(file)
    throw error
  }
  const version = await versionOf(file)
  cache.set(file, { version, book: current.book })
  await sweep(file).catch(() => undefined)
  return { version, workbook: toRaw(current.book) }
}

async function create(file: string, workbook: RawWorkbook): Promise<{ version: FileVersion; workbook: RawWorkbook }> {
  const book = XLSX.utils.book_new()
  for (const sheet of workbook.sheets) {
    const target: XLSX.WorkSheet = {}
    let columns = 1
    sheet.rows.forEach((row, r) =>
      row.forEach((value, c) => {
        const cell = cellOf(value)
        if (cell) target[XLSX.utils.encode_cell({ r, c })] = cell
        columns = Math.max(columns, c + 1)
      }),
    )
    target['!ref'] = XLSX.utils.encode_range({ s: { r: 0, c: 0 }, e: { r: Math.max(0, sheet.rows.length - 1), c: columns - 1 } })
    XLSX.utils.book_append_sheet(book, target, sheet.name)
  }
  await fs.mkdir(path.dirname(file), { recursive: true })
  const temporary = await writeTemporary(file, serialise(book))
  try {
    // link() refuses to replace an existing file: two creators cannot overwrite each other's workbook.
    await fs.link(temporary, file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new WorkerFailure('EXISTS', `${path.basename(file)} exists already`)
    throw error
  } finally {
    await fs.unlink(temporary).catch(() => undefined)
  }
  await syncFolder(file)
  const version = await versionOf(file)
  cache.set(file, { version, book })
  return { version, workbook: toRaw(book) }
}

async function handle(request: WorkerRequest): Promise<{ version: FileVersion; workbook: RawWorkbook }> {
  switch (request.op) {
    case 'read': {
      const { version, book } = await load(request.path)
      return { version, workbook: toRaw(book) }
    }
    case 'write':
      return write(request.path, request.base, request.patches)
    case 'create':
      return create(request.path, request.workbook)
  }
}

// One request at a time: a write must never interleave with another write or a read of the same file.
let queue: Promise<void> = Promise.resolve()
parentPort?.on('message', (request: WorkerRequest) => {
  queue = queue.then(async () => {
    let response: WorkerResponse
    try {
      response = { id: request.id, ok: true, ...(await handle(request)) }
    } catch (error) {
      const code: WorkerFailureCode = error instanceof WorkerFailure ? error.code : 'IO'
      response = { id: request.id, ok: false, code, message: error instanceof Error ? error.message : String(error) }
    }
    parentPort!.postMessage(response)
  })
})
