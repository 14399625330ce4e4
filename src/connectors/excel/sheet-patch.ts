/**
 * A write that rewrites only what changed: the changed sheets' XML parts are edited where the changed rows are, and
 * every other part of the package is copied with its compressed bytes untouched. What a person sees stays as it
 * was (styles, column widths, frozen panes, other sheets); a changed cell keeps its own style, a date gets a date
 * style of the workbook's own. Anything this does not recognise (zip64, a sheet without cell references, a new row
 * between existing ones, no date style for a date) answers undefined, and the caller writes the whole workbook.
 */
import { isDateCell, type CellPatch, type RawCell } from './cells.js'
import { dateStyles } from './date-formats.js'
import { attribute, bytesOf, contentOf, readZip, unescapeXml, withBytes, writeZip, type ZipEntry } from './package-parts.js'

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
  const stylesPart = files.get('xl/styles.xml')
  const styles = dateStyles((stylesPart && contentOf(stylesPart)) ?? '', dateFormat)
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
