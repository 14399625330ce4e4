/**
 * A write that rewrites only what changed: the changed sheets' XML parts are edited where the changed rows are, and
 * every other part of the package is copied with its compressed bytes untouched. What a person sees stays as it
 * was (styles, column widths, frozen panes, other sheets); a changed cell keeps its own style, a date gets a date
 * style of the workbook's own. Anything this does not recognise (zip64, a sheet without cell references, a new row
 * between existing ones, no date style for a date) answers undefined, and the caller writes the whole workbook.
 */
import zlib, { deflateRawSync, inflateRawSync } from 'node:zlib'
import XLSX from 'sheetjs-style'
import { isDateCell, type CellPatch, type RawCell } from './cells.js'

interface ZipEntry {
  name: string
  nameBytes: Buffer
  flags: number
  method: number
  time: number
  date: number
  crc: number
  compressedSize: number
  size: number
  data: Buffer
}

const CRC_TABLE = (() => {
  const table = new Int32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c
  }
  return table
})()

/** zlib's own CRC-32 (Node 20.15 and later) takes a tenth of the time of this one, the fallback for older Nodes. */
const crc32: (bytes: Buffer) => number =
  typeof zlib.crc32 === 'function'
    ? (bytes) => zlib.crc32(bytes)
    : (bytes) => {
        let crc = -1
        for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8)
        return (crc ^ -1) >>> 0
      }

function readZip(bytes: Buffer): ZipEntry[] | undefined {
  let end = -1
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65_535); i--) {
    if (bytes.readUInt32LE(i) === 0x06054b50) {
      end = i
      break
    }
  }
  if (end < 0) return undefined
  const count = bytes.readUInt16LE(end + 10)
  let at = bytes.readUInt32LE(end + 16)
  if (count === 0xffff || at === 0xffffffff) return undefined
  const entries: ZipEntry[] = []
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== 0x02014b50) return undefined
    const nameLength = bytes.readUInt16LE(at + 28)
    const skip = nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32)
    const local = bytes.readUInt32LE(at + 42)
    const compressedSize = bytes.readUInt32LE(at + 20)
    const nameBytes = bytes.subarray(at + 46, at + 46 + nameLength)
    if (local + 30 > bytes.length || bytes.readUInt32LE(local) !== 0x04034b50) return undefined
    const start = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28)
    if (start + compressedSize > bytes.length) return undefined
    entries.push({
      name: nameBytes.toString('utf8'),
      nameBytes,
      flags: bytes.readUInt16LE(at + 8) & 0x0800,
      method: bytes.readUInt16LE(at + 10),
      time: bytes.readUInt16LE(at + 12),
      date: bytes.readUInt16LE(at + 14),
      crc: bytes.readUInt32LE(at + 16),
      compressedSize,
      size: bytes.readUInt32LE(at + 24),
      data: bytes.subarray(start, start + compressedSize),
    })
    at += 46 + skip
  }
  return entries
}

function writeZip(entries: ZipEntry[]): Buffer {
  const chunks: Buffer[] = []
  const central: Buffer[] = []
  let offset = 0
  for (const e of entries) {
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(e.flags, 6)
    local.writeUInt16LE(e.method, 8)
    local.writeUInt16LE(e.time, 10)
    local.writeUInt16LE(e.date, 12)
    local.writeUInt32LE(e.crc, 14)
    local.writeUInt32LE(e.compressedSize, 18)
    local.writeUInt32LE(e.size, 22)
    local.writeUInt16LE(e.nameBytes.length, 26)
    const header = Buffer.alloc(46)
    header.writeUInt32LE(0x02014b50, 0)
    header.writeUInt16LE(20, 4)
    header.writeUInt16LE(20, 6)
    header.writeUInt16LE(e.flags, 8)
    header.writeUInt16LE(e.method, 10)
    header.writeUInt16LE(e.time, 12)
    header.writeUInt16LE(e.date, 14)
    header.writeUInt32LE(e.crc, 16)
    header.writeUInt32LE(e.compressedSize, 20)
    header.writeUInt32LE(e.size, 24)
    header.writeUInt16LE(e.nameBytes.length, 28)
    header.writeUInt32LE(offset, 42)
    chunks.push(local, e.nameBytes, e.data)
    central.push(header, e.nameBytes)
    offset += 30 + e.nameBytes.length + e.data.length
  }
  const centralSize = central.reduce((n, b) => n + b.length, 0)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(centralSize, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...chunks, ...central, end])
}

function bytesOf(entry: ZipEntry): Buffer | undefined {
  if (entry.method === 0) return entry.data
  if (entry.method === 8) return inflateRawSync(entry.data)
  return undefined
}

function contentOf(entry: ZipEntry): string | undefined {
  return bytesOf(entry)?.toString('utf8')
}

function withBytes(entry: ZipEntry, raw: Buffer): ZipEntry {
  const data = deflateRawSync(raw, { level: 6 })
  return { ...entry, method: 8, crc: crc32(raw), size: raw.length, compressedSize: data.length, data }
}

const attribute = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1]

function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#x[0-9a-fA-F]+|#\d+);/g, (_, e: string) =>
    e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : e === 'apos' ? "'" : String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1))),
  )
}

function escapeText(text: string): string {
  return text
    // Excel reads _xHHHH_ as the character HHHH: a literal one keeps its underscore escaped as _x005F_.
    .replace(/_(?=x[0-9a-fA-F]{4}_)/g, '_x005F_')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => `_x${c.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}_`)
}

/** Sheet names to their parts, from the workbook part and its relationships. */
function sheetParts(files: Map<string, ZipEntry>): Map<string, string> | undefined {
  const workbook = files.get('xl/workbook.xml')
  const rels = files.get('xl/_rels/workbook.xml.rels')
  const workbookXml = workbook && contentOf(workbook)
  const relsXml = rels && contentOf(rels)
  if (!workbookXml || !relsXml) return undefined
  const targets = new Map<string, string>()
  for (const tag of relsXml.match(/<Relationship\b[^>]*>/g) ?? []) {
    const id = attribute(tag, 'Id')
    const target = attribute(tag, 'Target')
    if (id && target) targets.set(id, target.startsWith('/') ? target.slice(1) : `xl/${target.replace(/^\.\//, '')}`)
  }
  const parts = new Map<string, string>()
  for (const tag of workbookXml.match(/<sheet\b[^>]*>/g) ?? []) {
    const name = attribute(tag, 'name')
    const id = /\s[\w]+:id="([^"]*)"/.exec(tag)?.[1]
    const part = id && targets.get(id)
    if (name !== undefined && part) parts.set(unescapeXml(name), part)
  }
  return parts
}

/** Which cell styles (indices into cellXfs) show a date, and the one to give a new date cell. */
function dateStyles(files: Map<string, ZipEntry>, preferred: string): { dates: Set<number>; preferred: number | undefined } {
  const styles = files.get('xl/styles.xml')
  const xml = (styles && contentOf(styles)) ?? ''
  const formats = new Map<number, string>()
  for (const tag of xml.match(/<numFmt\b[^>]*>/g) ?? []) {
    const id = Number(attribute(tag, 'numFmtId'))
    const code = attribute(tag, 'formatCode')
    if (Number.isInteger(id) && code !== undefined) formats.set(id, unescapeXml(code))
  }
  const table = XLSX.SSF.get_table() as Record<number, string>
  const cellXfs = /<cellXfs\b[^>]*>([\s\S]*?)<\/cellXfs>/.exec(xml)?.[1] ?? ''
  const dates = new Set<number>()
  let exact: number | undefined
  let any: number | undefined
  ;(cellXfs.match(/<xf\b[^>]*>/g) ?? []).forEach((tag, index) => {
    const code = formats.get(Number(attribute(tag, 'numFmtId') ?? 0)) ?? table[Number(attribute(tag, 'numFmtId') ?? 0)]
    if (typeof code !== 'string' || !XLSX.SSF.is_date(code)) return
    dates.add(index)
    any ??= index
    if (code === preferred) exact ??= index
  })
  return { dates, preferred: exact ?? any }
}

const columnName = (col: number): string => (col < 26 ? String.fromCharCode(65 + col) : columnName(Math.floor(col / 26) - 1) + String.fromCharCode(65 + (col % 26)))

function columnIndex(name: string): number {
  let n = 0
  for (const ch of name) n = n * 26 + ch.charCodeAt(0) - 64
  return n - 1
}

interface StyleRules {
  dates: Set<number>
  preferred: number
}

/** The XML of one cell, or '' for an empty one. A cell keeps its own style unless it would show the value wrongly. */
function cellXml(ref: string, value: RawCell, existingStyle: number | undefined, rules: StyleRules): string {
  if (value === null) return ''
  const keep = existingStyle !== undefined && !rules.dates.has(existingStyle) ? ` s="${existingStyle}"` : ''
  if (isDateCell(value)) {
    const style = existingStyle !== undefined && rules.dates.has(existingStyle) ? existingStyle : rules.preferred
    return `<c r="${ref}" s="${style}"><v>${value.serial}</v></c>`
  }
  if (typeof value === 'string') return `<c r="${ref}"${keep} t="inlineStr"><is><t xml:space="preserve">${escapeText(value)}</t></is></c>`
  if (typeof value === 'boolean') return `<c r="${ref}"${keep} t="b"><v>${value ? 1 : 0}</v></c>`
  return Number.isFinite(value) ? `<c r="${ref}"${keep}><v>${value}</v></c>` : ''
}

/**
 * The sheet's XML (UTF-8 bytes) with the patched rows rewritten, or undefined when the sheet is not laid out as
 * expected. It works on the bytes: only the patched rows and the part before the sheet data are decoded, as the
 * part is tens of megabytes at 100,000 rows and decoding and encoding all of it cost more than the edit.
 */
function patchSheetXml(xml: Buffer, patches: CellPatch[], rules: StyleRules): Buffer | undefined {
  const byRow = new Map<number, Map<number, RawCell>>()
  for (const p of patches) {
    let row = byRow.get(p.row)
    if (!row) byRow.set(p.row, (row = new Map()))
    row.set(p.col, p.value)
  }
  const sheetEnd = xml.indexOf('</sheetData>')
  if (sheetEnd < 0) return undefined
  const tagAt = (start: number) => xml.toString('utf8', start, xml.indexOf(0x3e /* > */, start) + 1)
  const lastRowAt = xml.lastIndexOf('<row ', sheetEnd)
  const lastRow = lastRowAt < 0 ? 0 : Number(attribute(tagAt(lastRowAt), 'r'))
  if (!Number.isInteger(lastRow)) return undefined
  const edits: { start: number; end: number; text: string }[] = []
  const appended: { row: number; text: string }[] = []
  let maxRow = 0
  let maxCol = 0
  for (const [row, values] of byRow) {
    const r = row + 1
    maxRow = Math.max(maxRow, r)
    for (const col of values.keys()) maxCol = Math.max(maxCol, col)
    const cells = new Map<number, { xml: string; style: number | undefined }>()
    let open = `<row r="${r}">`
    const start = xml.indexOf(`<row r="${r}"`)
    let end = start
    if (start >= 0 && start < sheetEnd) {
      const close = xml.indexOf(0x3e /* > */, start)
      open = xml.toString('utf8', start, close + 1)
      if (open.endsWith('/>')) {
        end = close + 1
        open = `${open.slice(0, -2)}>`
      } else {
        end = xml.indexOf('</row>', close) + 6
        if (end < 6) return undefined
        for (const cell of xml.toString('utf8', close + 1, end - 6).match(/<c\b[^>]*?(?:\/>|>[\s\S]*?<\/c>)/g) ?? []) {
          const ref = /^<c\b[^>]*?\sr="([A-Z]+)(\d+)"/.exec(cell)
          if (!ref || Number(ref[2]) !== r) return undefined
          const style = /^<c\b[^>]*?\ss="(\d+)"/.exec(cell)?.[1]
          cells.set(columnIndex(ref[1]!), { xml: cell, style: style === undefined ? undefined : Number(style) })
        }
      }
      open = open.replace(/\sspans="[^"]*"/, '')
    } else if (r <= lastRow) {
      return undefined
    }
    for (const [col, value] of values) {
      const text = cellXml(`${columnName(col)}${r}`, value, cells.get(col)?.style, rules)
      if (text) cells.set(col, { xml: text, style: undefined })
      else cells.delete(col)
    }
    const text = `${open}${[...cells.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c.xml).join('')}</row>`
    if (start >= 0 && start < sheetEnd) edits.push({ start, end, text })
    else appended.push({ row: r, text })
  }
  if (appended.length > 0) {
    appended.sort((a, b) => a.row - b.row)
    edits.push({ start: sheetEnd, end: sheetEnd, text: appended.map((a) => a.text).join('') })
  }
  // The dimension comes before the sheet data (the schema's order): only that head of the part is decoded.
  const dataStart = xml.indexOf('<sheetData')
  const head = xml.toString('utf8', 0, dataStart >= 0 && dataStart < sheetEnd ? dataStart : sheetEnd)
  const dimension = /<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"\s*\/>/.exec(head)
  if (dimension) {
    const endCol = Math.max(columnIndex(dimension[3] ?? dimension[1]!), maxCol)
    const endRow = Math.max(Number(dimension[4] ?? dimension[2]), maxRow)
    const at = Buffer.byteLength(head.slice(0, dimension.index))
    edits.push({ start: at, end: at + Buffer.byteLength(dimension[0]), text: `<dimension ref="${dimension[1]}${dimension[2]}:${columnName(endCol)}${endRow}"/>` })
  }
  edits.sort((a, b) => a.start - b.start)
  const out: Buffer[] = []
  let at = 0
  for (const edit of edits) {
    if (edit.start < at) return undefined
    out.push(xml.subarray(at, edit.start), Buffer.from(edit.text, 'utf8'))
    at = edit.end
  }
  out.push(xml.subarray(at))
  return Buffer.concat(out)
}

/**
 * The package `bytes` with `patches` applied to the changed sheets' parts only, or undefined when the package is
 * not laid out as this expects (the caller then writes the whole workbook).
 */
export function patchPackage(bytes: Buffer, patches: CellPatch[], dateFormat: string): Buffer | undefined {
  const entries = readZip(bytes)
  if (!entries) return undefined
  const files = new Map(entries.map((e) => [e.name, e]))
  const parts = sheetParts(files)
  if (!parts) return undefined
  const styles = dateStyles(files, dateFormat)
  const needsDateStyle = patches.some((p) => isDateCell(p.value))
  if (needsDateStyle && styles.preferred === undefined) return undefined
  const rules = { dates: styles.dates, preferred: styles.preferred ?? 0 }
  const bySheet = new Map<string, CellPatch[]>()
  for (const p of patches) {
    const list = bySheet.get(p.sheet)
    if (list) list.push(p)
    else bySheet.set(p.sheet, [p])
  }
  const replaced = new Map<string, ZipEntry>()
  for (const [sheet, sheetPatches] of bySheet) {
    const part = parts.get(sheet)
    const entry = part === undefined ? undefined : files.get(part)
    const xml = entry && bytesOf(entry)
    if (!entry || xml === undefined) return undefined
    const patched = patchSheetXml(xml, sheetPatches, rules)
    if (patched === undefined) return undefined
    replaced.set(entry.name, withBytes(entry, patched))
  }
  return writeZip(entries.map((e) => replaced.get(e.name) ?? e))
}
