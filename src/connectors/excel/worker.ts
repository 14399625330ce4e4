/**
 * The workbook worker: every sheetjs parse and write happens on this thread, so a large workbook never stalls the
 * server's event loop, and what a crafted file does to sheetjs's objects stays here. It answers with plain data.
 * Writes replace the file atomically (temporary file beside it, fsync, rename, fsync of the folder), so a crash at
 * any moment leaves the old workbook or the new one.
 */
import { isUtf8 } from 'node:buffer'
import { randomBytes } from 'node:crypto'
import { constants as fsConstants, promises as fs } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { hostname } from 'node:os'
import path from 'node:path'
import { parentPort, threadId, workerData } from 'node:worker_threads'
import XLSX from 'sheetjs-style'
import { isDateCell, sameVersion, type CellPatch, type FileVersion, type RawCell, type RawSheet, type RawWorkbook } from './cells.js'
import type { WorkerFailureCode, WorkerRequest, WorkerResponse } from './protocol.js'
import { SizedLru } from './sized-lru.js'
import { isDateFormat, withBuiltInDateFormatsDefined } from './date-formats.js'
import { patchPackage } from './sheet-patch.js'
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
    readonly errno?: string,
  ) {
    super(message)
  }
}

/**
 * Parsed workbooks by path with the file's bytes (a write edits only the changed sheets' parts of them), least
 * recently used first, bounded by count and by their file sizes added up (the connector's side keeps the same
 * bounds, passed at start).
 */
interface Cached {
  version: FileVersion
  book: XLSX.WorkBook
  bytes: Buffer
}
const limits = (workerData as { maxWorkbooks?: number; maxBytes?: number } | undefined) ?? {}
const cache = new SizedLru<Cached>(limits.maxWorkbooks ?? 64, limits.maxBytes ?? 128 * 1024 * 1024)
const cacheSet = (file: string, entry: Cached) => cache.set(file, entry, entry.version.size)

function versionOfStat(stat: { mtimeMs: number; size: number; ino: number }): FileVersion {
  return { mtimeMs: stat.mtimeMs, size: stat.size, ino: stat.ino }
}

async function versionOf(file: string): Promise<FileVersion> {
  return versionOfStat(await fs.stat(file))
}

/** A file changed this recently that does not parse is taken for a save in progress, not for a broken workbook. */
const SAVE_IN_PROGRESS_MS = 10_000
const ZIP_MAGIC = 'PK\u0003\u0004'
const READ_ATTEMPTS = 4

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The workbook at `file` and the version its content belongs to. The version is taken from the open file before and
 * after reading it, so newer content is never remembered under an older version or the other way round.
 */
async function load(file: string): Promise<Cached> {
  for (let attempt = 1; ; attempt++) {
    let handle: FileHandle
    try {
      // Non-blocking: a FIFO put where a workbook should be must not hold the thread; it is refused below.
      handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT') {
        // A writer may be between moving the old file aside and linking the new one, or have died there.
        const aside = await restoreAside(file)
        if (aside === 'restored' && attempt < READ_ATTEMPTS) continue
        if (aside === 'in-progress') {
          if (attempt >= READ_ATTEMPTS) throw beingSaved(file)
          await sleep(25 * attempt)
          continue
        }
        throw new WorkerFailure('NOT_FOUND', `${path.basename(file)} does not exist`)
      }
      throw fileSystemFailure(error, file, 'read')
    }
    try {
      const stat = await handle.stat()
      if (stat.isDirectory()) throw new WorkerFailure('NOT_A_WORKBOOK', `${path.basename(file)} is a folder, not a file`)
      if (!stat.isFile()) throw new WorkerFailure('NOT_A_WORKBOOK', `${path.basename(file)} is not a regular file`)
      const before = versionOfStat(stat)
      const cached = cache.get(file)
      if (cached && sameVersion(cached.version, before)) return cached
      // The parse of an older version is of no more use: let it go before the new one is built beside it.
      if (cached) cache.delete(file)
      if (before.size > MAX_FILE_BYTES) throw new WorkerFailure('TOO_LARGE', `${path.basename(file)} is larger than ${MAX_FILE_BYTES} bytes`)
      const bytes = await handle.readFile()
      const after = versionOfStat(await handle.stat())
      if (!sameVersion(before, after) || bytes.length !== after.size) {
        // Someone is writing the file in place as it is read.
        if (attempt < READ_ATTEMPTS) {
          await sleep(50 * attempt)
          continue
        }
        throw beingSaved(file)
      }
      let book: XLSX.WorkBook
      try {
        book = parse(file, bytes)
      } catch (error) {
        // A save in progress has truncated the file or written its start (a ZIP's directory comes last); a file
        // that does not even start like a workbook is not one, however new.
        const started = bytes.length === 0 || bytes.subarray(0, 4).toString('latin1') === ZIP_MAGIC
        if (started && Date.now() - after.mtimeMs < SAVE_IN_PROGRESS_MS) throw beingSaved(file)
        throw error
      }
      const entry = { version: after, book, bytes }
      cacheSet(file, entry)
      return entry
    } catch (error) {
      if (error instanceof WorkerFailure) throw error
      throw fileSystemFailure(error, file, 'read')
    } finally {
      await handle.close()
    }
  }
}

function beingSaved(file: string): WorkerFailure {
  return new WorkerFailure('BUSY', `${path.basename(file)} is being saved by someone else`)
}

function parse(file: string, bytes: Buffer): XLSX.WorkBook {
  // sheetjs reads almost anything (plain text becomes a one-sheet CSV book); an .xlsx is a ZIP package.
  if (bytes.subarray(0, 4).toString('latin1') !== ZIP_MAGIC) {
    throw new WorkerFailure('NOT_A_WORKBOOK', `${path.basename(file)} is not an .xlsx file (not a ZIP package)`)
  }
  let book: XLSX.WorkBook
  try {
    // No formatted text per cell (cellText): nothing here reads it, and formatting every cell took a third of a parse.
    // Without it sheetjs does not know Excel's East Asian built-in date formats: they are defined for it first.
    // Dense sheets (see DenseSheet): a sheet as rows of cells, not one object keyed by every cell's reference.
    book = XLSX.read(withBuiltInDateFormatsDefined(bytes) ?? bytes, { type: 'buffer', dense: true, cellStyles: true, cellNF: true, cellText: false, cellDates: false, cellFormula: false, cellHTML: false })
  } catch (error) {
    throw new WorkerFailure('NOT_A_WORKBOOK', `${path.basename(file)} is not an Excel workbook (${(error as Error).message})`)
  }
  if (!Array.isArray(book.SheetNames) || book.SheetNames.length === 0) {
    throw new WorkerFailure('NOT_A_WORKBOOK', `${path.basename(file)} is not an Excel workbook (no sheets)`)
  }
  keepThemeText(book)
  return book
}

/**
 * sheetjs keeps the theme part as the text of its bytes read as Latin-1 and writes that text back as UTF-8, so
 * every read-write cycle would encode the theme's non-ASCII font names once more (the part doubling in size). The
 * theme is decoded as the UTF-8 it is; a theme that is not UTF-8 is dropped, and sheetjs writes its default.
 */
function keepThemeText(book: XLSX.WorkBook): void {
  const themes = (book as { Themes?: { raw?: unknown } }).Themes
  if (!themes || typeof themes.raw !== 'string') return
  const bytes = Buffer.from(themes.raw, 'latin1')
  if (isUtf8(bytes)) themes.raw = bytes.toString('utf8')
  else delete (book as { Themes?: unknown }).Themes
}

/** A file-system error as a failure the caller can act on, naming the workbook but never the server's path. */
function fileSystemFailure(error: unknown, file: string, doing: 'read' | 'write'): WorkerFailure {
  const errno = (error as NodeJS.ErrnoException).code
  const code = typeof errno === 'string' && /^E[A-Z0-9]+$/.test(errno) ? errno : undefined
  const name = path.basename(file)
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new WorkerFailure('NO_SPACE', `the disk that holds ${name} is full`, code)
    case 'EROFS':
      return new WorkerFailure('READ_ONLY', `the disk that holds ${name} is read-only`, code)
    case 'EACCES':
    case 'EPERM':
      return new WorkerFailure('PERMISSION', `the server is not allowed to ${doing} ${name}`, code)
    default:
      return new WorkerFailure('IO', `${name} could not be ${doing === 'read' ? 'read' : 'written'}${code ? ` (${code})` : ''}`, code)
  }
}

/**
 * Every sheet here is dense (sheetjs's `dense` option): an array of rows, each an array of cells by column, with the
 * `!` keys (`!ref`, `!cols`...) as properties of the array. Keyed by reference, a 100,000-row sheet was an object of
 * 900,000 keys: enumerating them alone took a third of turning the sheet into rows, and the parse and its heap were
 * a sixth and two fifths larger.
 */
type DenseSheet = XLSX.WorkSheet & Array<Array<XLSX.CellObject | undefined> | undefined>

const denseSheet = (sheet: XLSX.WorkSheet) => sheet as DenseSheet

function cellAt(sheet: XLSX.WorkSheet, r: number, c: number): XLSX.CellObject | undefined {
  return denseSheet(sheet)[r]?.[c]
}

function setCellAt(sheet: XLSX.WorkSheet, r: number, c: number, cell: XLSX.CellObject | undefined): void {
  const rows = denseSheet(sheet)
  if (cell) (rows[r] ??= [])[c] = cell
  else if (rows[r]) delete rows[r][c]
}

/** The workbook as plain rows. */
function toRaw(book: XLSX.WorkBook): RawWorkbook {
  const sheets: RawSheet[] = []
  const dates = new Map<string, boolean>()
  for (const name of book.SheetNames) {
    const sheet = book.Sheets[name]
    const rows: RawCell[][] = []
    if (sheet && typeof sheet['!ref'] === 'string') {
      const range = XLSX.utils.decode_range(sheet['!ref'])
      if (range.e.r >= MAX_ROWS || range.e.c >= MAX_COLUMNS) {
        throw new WorkerFailure('TOO_LARGE', `sheet ${String(name)} is larger than ${MAX_ROWS} rows or ${MAX_COLUMNS} columns`)
      }
      const cells = denseSheet(sheet)
      const lastRow = Math.min(range.e.r, cells.length - 1)
      for (let r = 0; r <= lastRow; r++) {
        const cellsOfRow = cells[r]
        if (!cellsOfRow) continue
        const lastColumn = Math.min(range.e.c, cellsOfRow.length - 1)
        for (let c = 0; c <= lastColumn; c++) {
          const cell = cellsOfRow[c]
          if (!cell) continue
          const value = rawOf(cell, dates)
          if (value === null) continue
          while (rows.length <= r) rows.push([])
          const row = rows[r]!
          while (row.length < c) row.push(null)
          row[c] = value
        }
      }
    }
    sheets.push({ name: String(name), rows })
  }
  return { sheets }
}

/** A cell's value; whether a number format shows a date is asked once per format (`dates` remembers). */
function rawOf(cell: XLSX.CellObject, dates: Map<string, boolean>): RawCell {
  switch (cell.t) {
    case 's':
      return typeof cell.v === 'string' ? cell.v : String(cell.v ?? '')
    case 'n': {
      if (typeof cell.v !== 'number' || !Number.isFinite(cell.v)) return null
      if (typeof cell.z !== 'string') return cell.v
      let date = dates.get(cell.z)
      if (date === undefined) dates.set(cell.z, (date = isDateFormat(cell.z)))
      return date ? { serial: cell.v } : cell.v
    }
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
  const chosen = existing?.z
  const z = isDateFormat(chosen) ? chosen : DATE_FORMAT
  return { t: 'n', v: value.serial, z }
}

function applyPatches(book: XLSX.WorkBook, patches: CellPatch[]): void {
  for (const patch of patches) {
    let sheet = book.Sheets[patch.sheet]
    if (!sheet) throw new WorkerFailure('IO', `the workbook has no sheet ${patch.sheet}`)
    setCellAt(sheet, patch.row, patch.col, cellOf(patch.value, cellAt(sheet, patch.row, patch.col)))
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
        const cell = cellAt(sheet, r, c) as (XLSX.CellObject & { s?: unknown }) | undefined
        if (!cell) continue
        if (r === 0) cell.s = HEADER_STYLE
        else if (cell.t === 'n' && isDateFormat(cell.z)) cell.s = { numFmt: cell.z }
        else delete cell.s
        const shown = cell.t === 'n' && isDateFormat(cell.z) ? DATE_FORMAT.length : String(cell.v ?? '').length
        widths[c] = Math.max(widths[c] ?? 0, shown)
      }
    }
    if (!Array.isArray(sheet['!cols']) || sheet['!cols'].length === 0) {
      sheet['!cols'] = widths.map((w) => ({ wch: Math.min(60, Math.max(8, w + 2)) }))
    }
  }
}

/** Excel reads _xHHHH_ in text as the character HHHH, and sheetjs writes text as it is: a literal one is escaped. */
const LITERAL_ESCAPE = /_(?=x[0-9a-fA-F]{4}_)/g

function serialise(book: XLSX.WorkBook): Buffer {
  dress(book)
  // The escaping is for the written file only: the cached book keeps the text as it is.
  const escaped: Array<{ cell: XLSX.CellObject; text: string }> = []
  for (const name of book.SheetNames) {
    const sheet = book.Sheets[name]
    if (!sheet) continue
    for (const cell of denseSheet(sheet).flat()) {
      if (!cell || cell.t !== 's' || typeof cell.v !== 'string' || !cell.v.includes('_x')) continue
      const text = cell.v
      const written = text.replace(LITERAL_ESCAPE, '_x005F_')
      if (written === text) continue
      escaped.push({ cell, text })
      cell.v = written
    }
  }
  let bytes: Buffer
  try {
    bytes = XLSX.write(book, { type: 'buffer', bookType: 'xlsx', bookSST: true, compression: true }) as Buffer
  } finally {
    for (const { cell, text } of escaped) cell.v = text
  }
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

/**
 * Names of a writer's own files beside a workbook: `.NAME.HOST.PID-THREAD.RANDOM.tmp` (the new content being
 * written) and `.NAME.HOST.PID-THREAD.RANDOM.old` (the replaced content, moved aside for the moment of the swap).
 * Host, pid and worker thread say whether the writer can still be alive.
 */
const HOST = hostname().replace(/[^A-Za-z0-9-]/g, '_')
const SIDE_FILE = /^\.(.+)\.([A-Za-z0-9_-]+)\.(\d+)(?:-(\d+))?\.[0-9a-f]{8}\.(tmp|old)$/
/** Side files of a writer on another machine (whose pid cannot be checked) are left alone for this long. */
const FOREIGN_SIDE_FILE_MS = 10 * 60_000
const PROCESS_STARTED_MS = Date.now() - process.uptime() * 1000
/** Workers of this process that were ended (hung or crashed), possibly in the middle of a write: their side files are stale. */
const DEAD_THREADS = new Set<number>((workerData as { deadThreads?: number[] } | undefined)?.deadThreads ?? [])

function sideFile(file: string, kind: 'tmp' | 'old'): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${HOST}.${process.pid}-${threadId}.${randomBytes(4).toString('hex')}.${kind}`)
}

/**
 * Writes `bytes` durably to a new side file. Its version is taken from the written file itself: linking it into
 * place keeps inode, size and mtime, so this is the workbook's version from the moment it is in place, whatever
 * lands at the name afterwards.
 */
async function writeTemporary(file: string, bytes: Buffer): Promise<{ temporary: string; version: FileVersion }> {
  const temporary = sideFile(file, 'tmp')
  try {
    const handle = await fs.open(temporary, 'wx', 0o644)
    try {
      await handle.writeFile(bytes)
      await handle.sync()
      return { temporary, version: versionOfStat(await handle.stat()) }
    } finally {
      await handle.close()
    }
  } catch (error) {
    await fs.unlink(temporary).catch(() => undefined)
    throw fileSystemFailure(error, file, 'write')
  }
}

async function syncFolder(file: string): Promise<void> {
  const folder = await fs.open(path.dirname(file), 'r')
  try {
    await folder.sync()
  } finally {
    await folder.close()
  }
}

/**
 * Puts `temporary` in the place of `file` only if `file` is still the version `base` the change was made from.
 * The old file is first moved aside (one rename, atomic), so that its version is checked on the very file that is
 * replaced: a person's save that lands before the move is found and put back, and one that lands after it is not
 * overwritten (link refuses to replace a file). Either way the change starts over on the newer file.
 */
async function replaceIfUnchanged(file: string, temporary: string, base: FileVersion): Promise<void> {
  const aside = sideFile(file, 'old')
  try {
    await fs.rename(file, aside)
  } catch (error) {
    await fs.unlink(temporary).catch(() => undefined)
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw changed(file)
    throw fileSystemFailure(error, file, 'write')
  }
  let replaced = false
  try {
    if (!sameVersion(await versionOf(aside), base)) throw changed(file)
    await placeNew(temporary, file)
    replaced = true
  } finally {
    // Not replaced: the file moved aside goes back, unless something newer took its place meanwhile.
    if (replaced) await fs.unlink(aside).catch(() => undefined)
    else await putBack(aside, file)
    await fs.unlink(temporary).catch(() => undefined)
  }
  await syncFolder(file).catch(() => undefined)
}

/**
 * Puts `temporary` at `file` unless a file is there (link refuses to replace one). A file system without hard links
 * (FAT, some network shares) gets a rename instead, which cannot refuse: there a save landing in the same instant
 * can be replaced.
 */
async function placeNew(temporary: string, file: string): Promise<void> {
  try {
    await fs.link(temporary, file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') throw changed(file)
    if (code !== 'EPERM' && code !== 'EOPNOTSUPP' && code !== 'ENOTSUP' && code !== 'EMLINK') throw fileSystemFailure(error, file, 'write')
    await fs.rename(temporary, file).catch((renameError: unknown) => {
      throw fileSystemFailure(renameError, file, 'write')
    })
  }
}

/**
 * Puts a side file holding a workbook back at `file`, unless a newer file is there; the side file is removed only
 * once the workbook is safely at its name, never before (a failed put-back leaves it for the next sweep).
 */
async function putBack(side: string, file: string): Promise<void> {
  try {
    await fs.link(side, file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      const present = await fs.stat(file).then(() => true, () => false)
      if (!present) {
        await fs.rename(side, file).catch(() => undefined)
        return
      }
    }
  }
  await fs.unlink(side).catch(() => undefined)
}

function changed(file: string): WorkerFailure {
  return new WorkerFailure('CHANGED', `${path.basename(file)} changed since it was read`)
}

/**
 * The workbook is missing: has a writer moved it aside? One that died there is undone (the file put back);
 * one that is alive is between two renames and is waited for.
 */
async function restoreAside(file: string): Promise<'restored' | 'in-progress' | 'none'> {
  const name = path.basename(file)
  let entries: string[]
  try {
    entries = await fs.readdir(path.dirname(file))
  } catch {
    return 'none'
  }
  let found: 'in-progress' | 'none' = 'none'
  for (const entry of entries) {
    const match = SIDE_FILE.exec(entry)
    if (!match || match[1] !== name || match[5] !== 'old') continue
    const side = path.join(path.dirname(file), entry)
    if (!(await isStale(entry, side))) {
      found = 'in-progress'
      continue
    }
    // Another process may restore it or write a new one at the same time: either way there is a workbook again.
    await putBack(side, file)
    return 'restored'
  }
  return found
}

/** A side file whose writer is gone: a dead process of this machine, or (from another machine) an old one. */
async function isStale(entry: string, full: string): Promise<boolean> {
  const match = SIDE_FILE.exec(entry)
  if (!match) return false
  const [, , host, pidText, threadText] = match
  // ctime: a rename (moving a file aside) changes it, and a writer's side file is never older than its writer.
  const stat = await fs.stat(full).catch(() => undefined)
  if (!stat) return false
  if (host === HOST) {
    const pid = Number(pidText)
    // A restarted server can have its predecessor's pid (PID 1 in a container): what is older than this process
    // is not its own.
    if (pid === process.pid) return stat.ctimeMs < PROCESS_STARTED_MS || (threadText !== undefined && DEAD_THREADS.has(Number(threadText)))
    try {
      process.kill(pid, 0)
      return false
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH'
    }
  }
  return Date.now() - stat.ctimeMs > FOREIGN_SIDE_FILE_MS
}

/**
 * Removes the side files of writers that died (killed mid-write): temporary files, and old files moved aside
 * (put back first when the workbook itself is missing). Runs over one folder, or a folder tree at start.
 */
async function sweepFolder(folder: string, depth: number): Promise<number> {
  let removed = 0
  let entries: import('node:fs').Dirent[]
  try {
    entries = await fs.readdir(folder, { withFileTypes: true })
  } catch {
    return 0
  }
  for (const entry of entries) {
    const full = path.join(folder, entry.name)
    if (entry.isDirectory()) {
      if (depth > 0 && !entry.name.startsWith('.')) removed += await sweepFolder(full, depth - 1)
      continue
    }
    const match = SIDE_FILE.exec(entry.name)
    if (!match || !(await isStale(entry.name, full))) continue
    if (match[5] === 'old') await putBack(full, path.join(folder, match[1]!))
    else await fs.unlink(full).catch(() => undefined)
    removed++
  }
  return removed
}

async function write(file: string, base: FileVersion, patches: CellPatch[]): Promise<{ version: FileVersion }> {
  const current = await load(file)
  if (!sameVersion(current.version, base)) throw changed(file)
  let version: FileVersion
  let bytes: Buffer
  try {
    applyPatches(current.book, patches)
    bytes = patchPackage(current.bytes, patches, DATE_FORMAT) ?? serialise(current.book)
    const written = await writeTemporary(file, bytes)
    version = written.version
    await replaceIfUnchanged(file, written.temporary, base)
  } catch (error) {
    // The cached book may hold the patches now: forget it, the file on disk is the truth.
    cache.delete(file)
    throw error
  }
  cacheSet(file, { version, book: current.book, bytes })
  await sweepFolder(path.dirname(file), 0).catch(() => undefined)
  // The connector applies the same patches to its own model: the workbook is not sent back.
  return { version }
}

async function create(file: string, workbook: RawWorkbook): Promise<{ version: FileVersion; workbook: RawWorkbook }> {
  const book = XLSX.utils.book_new()
  for (const sheet of workbook.sheets) {
    const target = [] as unknown as XLSX.WorkSheet
    let columns = 1
    sheet.rows.forEach((row, r) =>
      row.forEach((value, c) => {
        setCellAt(target, r, c, cellOf(value))
        columns = Math.max(columns, c + 1)
      }),
    )
    target['!ref'] = XLSX.utils.encode_range({ s: { r: 0, c: 0 }, e: { r: Math.max(0, sheet.rows.length - 1), c: columns - 1 } })
    XLSX.utils.book_append_sheet(book, target, sheet.name)
  }
  await fs.mkdir(path.dirname(file), { recursive: true }).catch((error: unknown) => {
    throw fileSystemFailure(error, file, 'write')
  })
  const bytes = serialise(book)
  const { temporary, version } = await writeTemporary(file, bytes)
  try {
    // Refuses to replace an existing file: two creators cannot overwrite each other's workbook.
    await placeNew(temporary, file)
  } catch (error) {
    if (error instanceof WorkerFailure && error.code === 'CHANGED') throw new WorkerFailure('EXISTS', `${path.basename(file)} exists already`)
    throw error
  } finally {
    await fs.unlink(temporary).catch(() => undefined)
  }
  await syncFolder(file).catch(() => undefined)
  cacheSet(file, { version, book, bytes })
  return { version, workbook: toRaw(book) }
}

async function handle(request: WorkerRequest): Promise<{ version: FileVersion; workbook?: RawWorkbook } | undefined> {
  switch (request.op) {
    case 'read': {
      const { version, book } = await load(request.path)
      return { version, workbook: toRaw(book) }
    }
    case 'write':
      return write(request.path, request.base, request.patches)
    case 'create':
      return create(request.path, request.workbook)
    case 'sweep':
      await sweepFolder(request.path, 8)
      return undefined
    case 'forget':
      cache.delete(request.path)
      return undefined
  }
}

// One request at a time: a write must never interleave with another write or a read of the same file.
let queue: Promise<void> = Promise.resolve()
parentPort?.on('message', (request: WorkerRequest) => {
  queue = queue.then(async () => {
    // The connector's deadline for a call counts from here, not from when it was queued.
    parentPort!.postMessage({ started: request.id })
    let response: WorkerResponse
    try {
      const done = await handle(request)
      response = done ? { id: request.id, ok: true, ...done } : { id: request.id, ok: true }
    } catch (error) {
      const failure = error instanceof WorkerFailure ? error : fileSystemFailure(error, request.path, 'read')
      response = { id: request.id, ok: false, code: failure.code, message: failure.message, ...(failure.errno ? { errno: failure.errno } : {}) }
    }
    parentPort!.postMessage(response)
  })
})
parentPort?.postMessage('ready')
