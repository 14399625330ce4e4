/**
 * How a workbook plays an ERP: what its sheets mean (the layout a person edits in Excel), and the conversions
 * between its typed cells and the wire's encoded values.
 *
 * Layout:
 * - one sheet per actor type, named as SuperOffice names it (`Customer`, `Supplier`, `Person`, `Project`...);
 *   row 1 holds the column names; `ErpKey` and `LastModified` are required, `ParentActorType`/`ParentErpKey`
 *   carry a person's company; every other column is a field, its name the FieldKey;
 * - a `Fields` sheet describing the fields: one row per (Sheet, FieldKey) with Type, Access, DisplayName,
 *   ListName, MaxLength, Searchable, Generated and Description; a column it does not describe is a Text field;
 * - list sheets (any other sheet with `Key` and `Text` columns): the items of List fields.
 */
import type * as T from '../../../generated/types.js'
import { ACTOR_TYPES } from '../../connector/host.js'
import { encodeCheckbox, encodeDateTime, encodeDouble, encodeInteger } from '../../encoding/encoded-tags.js'
import {
  decodeFieldValue,
  FIELD_TYPES,
  parseCheckboxValue,
  parseDateTimeValue,
  parseDoubleValue,
  parseEncodedDate,
  parseIntegerValue,
  type FieldType,
} from '../../encoding/field-values.js'
import type { WallClock } from '../../encoding/wall-clock.js'
import { isDateCell, serialToWallClock, wallClockToSerial, type CellPatch, type RawCell, type RawWorkbook } from './cells.js'

export const FIELDS_SHEET = 'Fields'
export const FIELDS_HEADER = ['Sheet', 'FieldKey', 'DisplayName', 'Type', 'Access', 'ListName', 'MaxLength', 'Searchable', 'Generated', 'Description'] as const
export const ERP_KEY = 'ErpKey'
export const LAST_MODIFIED = 'LastModified'
export const PARENT_TYPE = 'ParentActorType'
export const PARENT_KEY = 'ParentErpKey'
const ACCESS: readonly T.FieldAccessInfoWS[] = ['Normal', 'Mandatory', 'ReadOnly']

export interface FieldSpec {
  key: string
  column: number
  type: FieldType
  access: T.FieldAccessInfoWS
  displayName: string
  description: string
  listName: string
  maxLength: number
  searchable: boolean
  /** How create fills a ReadOnly field: a pattern with `{n}` for the next number, e.g. `{n}` or `PROJ{n}`. */
  generated: string
}

export interface ActorRow {
  /** 0-based row index in the sheet. */
  row: number
  erpKey: string
  lastModified: string
  parentType: string
  parentKey: string
  cells: RawCell[]
}

export interface ActorSheet {
  name: string
  erpKeyColumn: number
  lastModifiedColumn: number
  parentTypeColumn: number | undefined
  parentKeyColumn: number | undefined
  fields: FieldSpec[]
  fieldByKey: Map<string, FieldSpec>
  rows: ActorRow[]
  byKey: Map<string, ActorRow>
  /** Index of the first row after the last one in use. */
  nextRow: number
}

export interface ErpWorkbook {
  actorSheets: Map<string, ActorSheet>
  lists: Map<string, Map<string, string>>
  /** The latest LastModified in the workbook, as an instant (ms), or -Infinity. */
  lastModifiedMs: number
  /** What is wrong with the layout, for WSTestConnection. */
  problems: string[]
}

/** A cell as text: what a search matches and what a Text field sends. */
export function cellText(cell: RawCell | undefined): string {
  if (cell === null || cell === undefined) return ''
  if (typeof cell === 'string') return cell
  if (typeof cell === 'boolean') return cell ? 'true' : 'false'
  if (typeof cell === 'number') return String(cell)
  return isoOf(serialToWallClock(cell.serial))
}

// What XML 1.0 cannot carry, so a SOAP answer cannot either (src/soap/writer.ts refuses it): C0 controls other
// than tab, LF and CR, U+FFFE, U+FFFF and unpaired surrogates.
const UNSENDABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const UNSENDABLE_ALL = new RegExp(UNSENDABLE.source, 'g')

/** The first character of `text` an answer cannot carry, as `U+0001`, or undefined when there is none. */
export function unsendableIn(text: string): string | undefined {
  const found = UNSENDABLE.exec(text)
  return found ? `U+${found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : undefined
}

/** `text` with every character an answer cannot carry replaced by U+FFFD (the replacement character). */
export function sendable(text: string): string {
  return UNSENDABLE.test(text) ? text.replace(UNSENDABLE_ALL, '\uFFFD') : text
}

/** `text` for a message: characters an answer cannot carry written as \u0001. */
function printable(text: string): string {
  return UNSENDABLE.test(text) ? text.replace(UNSENDABLE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : text
}

/** The ErpKey for a new row: one more than the highest numeric ErpKey of the sheet (a loop: sheets are large). */
export function nextErpKey(sheet: ActorSheet): string {
  let highest = 0
  for (const row of sheet.rows) {
    const n = Number(row.erpKey)
    if (Number.isFinite(n) && n > highest) highest = n
  }
  return String(highest + 1)
}

function isoOf(w: WallClock): string {
  const p = (n: number, width = 2) => String(n).padStart(width, '0')
  return `${p(w.year, 4)}-${p(w.month)}-${p(w.day)}T${p(w.hour)}:${p(w.minute)}:${p(w.second)}`
}

/** The model a workbook was read into, and the cells set since (already in the raw workbook given with it). */
export interface EarlierModel {
  book: ErpWorkbook
  patches: readonly CellPatch[]
}

/**
 * Reads a workbook's layout and rows; never throws on content, reports it in `problems` instead. Given the model
 * of the same workbook before `earlier.patches` were set, only the rows they touch are read again, when the
 * patches leave layout, lists and keys as they were (what the connector's own writes do); anything else is read
 * whole.
 */
export function interpretWorkbook(raw: RawWorkbook, earlier?: EarlierModel): ErpWorkbook {
  if (earlier) {
    const updated = rereadRows(raw, earlier.book, earlier.patches)
    if (updated) return updated
  }
  const problems: string[] = []
  const byName = new Map(raw.sheets.map((s) => [s.name, s]))
  const specs = readFieldSpecs(raw, problems)
  const actorSheets = new Map<string, ActorSheet>()
  const lists = new Map<string, Map<string, string>>()
  let lastModifiedMs = -Infinity
  for (const sheet of raw.sheets) {
    if (sheet.name === FIELDS_SHEET) continue
    const header = (sheet.rows[0] ?? []).map((c) => cellText(c).trim())
    if ((ACTOR_TYPES as readonly string[]).includes(sheet.name)) {
      const column = (name: string) => (header.indexOf(name) >= 0 ? header.indexOf(name) : undefined)
      const erpKeyColumn = column(ERP_KEY)
      const lastModifiedColumn = column(LAST_MODIFIED)
      if (erpKeyColumn === undefined || lastModifiedColumn === undefined) {
        problems.push(`Sheet ${sheet.name} has no ${erpKeyColumn === undefined ? ERP_KEY : LAST_MODIFIED} column in row 1, so it is not used.`)
        continue
      }
      const special = new Set([ERP_KEY, LAST_MODIFIED, PARENT_TYPE, PARENT_KEY])
      const fields: FieldSpec[] = []
      header.forEach((key, index) => {
        if (key === '' || special.has(key)) return
        const bad = unsendableIn(key)
        if (bad) return problems.push(`Sheet ${sheet.name} has a column named ${printable(key)}, with ${bad}, which cannot be sent to SuperOffice; it is not used.`)
        if (fields.some((f) => f.key === key)) return problems.push(`Sheet ${sheet.name} has two columns named ${key}; the first is used.`)
        fields.push({ ...defaultSpec(key), ...specs.get(`${sheet.name}\u0000${key}`), column: index })
      })
      const rows: ActorRow[] = []
      const byKey = new Map<string, ActorRow>()
      const layout = { erpKeyColumn, lastModifiedColumn, parentTypeColumn: column(PARENT_TYPE), parentKeyColumn: column(PARENT_KEY) }
      sheet.rows.forEach((cells, index) => {
        if (index === 0) return
        const row = actorRowOf(layout, cells, index)
        if (!row) return
        if (byKey.has(row.erpKey)) return problems.push(`Sheet ${sheet.name} has ErpKey ${row.erpKey} twice (row ${index + 1}); the first is used.`)
        const ms = instantOf(row.lastModified)
        if (ms !== undefined && ms > lastModifiedMs) lastModifiedMs = ms
        rows.push(row)
        byKey.set(row.erpKey, row)
      })
      actorSheets.set(sheet.name, {
        name: sheet.name,
        ...layout,
        fields,
        fieldByKey: new Map(fields.map((f) => [f.key, f])),
        rows,
        byKey,
        nextRow: Math.max(1, sheet.rows.length),
      })
    } else if (header.includes('Key') && header.includes('Text')) {
      const keyColumn = header.indexOf('Key')
      const textColumn = header.indexOf('Text')
      const items = new Map<string, string>()
      if (unsendableIn(sheet.name)) {
        problems.push(`The list sheet ${printable(sheet.name)} has a name that cannot be sent to SuperOffice; it is not used.`)
        continue
      }
      sheet.rows.forEach((cells, index) => {
        if (index === 0) return
        const key = cellText(cells[keyColumn]).trim()
        if (key === '' || items.has(key)) return
        const text = cellText(cells[textColumn])
        const bad = unsendableIn(key) ?? unsendableIn(text)
        if (bad) problems.push(`List sheet ${sheet.name}, row ${index + 1}: ${bad} cannot be sent to SuperOffice; ${unsendableIn(key) ? 'the item is left out' : 'it is sent as U+FFFD'}.`)
        if (!unsendableIn(key)) items.set(key, sendable(text))
      })
      lists.set(sheet.name, items)
    }
  }
  for (const [sheet, fields] of actorSheets) {
    for (const field of fields.fields) {
      if (field.type === 'List' && !lists.has(field.listName)) {
        problems.push(`Field ${sheet}.${field.key} is a List of "${field.listName}", but there is no list sheet of that name (columns Key and Text).`)
      }
    }
  }
  for (const key of specs.keys()) {
    const [sheet, field] = key.split('\u0000') as [string, string]
    if (byName.has(sheet) && !actorSheets.get(sheet)?.fieldByKey.has(field)) {
      problems.push(`The Fields sheet describes ${sheet}.${field}, but sheet ${sheet} has no such column.`)
    }
  }
  return { actorSheets, lists, lastModifiedMs, problems: problems.map(printable) }
}

type RowLayout = Pick<ActorSheet, 'erpKeyColumn' | 'lastModifiedColumn' | 'parentTypeColumn' | 'parentKeyColumn'>

/** Row `index` of an actor sheet as an actor, or undefined when it has no ErpKey (not an actor). */
function actorRowOf(layout: RowLayout, cells: RawCell[], index: number): ActorRow | undefined {
  const erpKey = cellText(cells[layout.erpKeyColumn]).trim()
  if (erpKey === '') return undefined
  return {
    row: index,
    erpKey,
    lastModified: cellText(cells[layout.lastModifiedColumn]).trim(),
    parentType: layout.parentTypeColumn === undefined ? 'Unknown' : cellText(cells[layout.parentTypeColumn]).trim() || 'Unknown',
    parentKey: layout.parentKeyColumn === undefined ? '' : cellText(cells[layout.parentKeyColumn]).trim(),
    cells,
  }
}

/**
 * `book` with the rows `patches` touched read again from `raw`, sharing every other row and sheet with `book`
 * (which stays as it was: it may still be in use); undefined when the patches reach beyond actor rows whose
 * ErpKey stays (a header, the Fields or a list sheet, a changed or repeated key), which only a whole read gets
 * right. LastModified's latest value only grows here: a row set back to an older one keeps the later instant, so
 * the next change is still stamped after every earlier one.
 */
function rereadRows(raw: RawWorkbook, book: ErpWorkbook, patches: readonly CellPatch[]): ErpWorkbook | undefined {
  const touched = new Map<string, Set<number>>()
  for (const patch of patches) {
    if (patch.row < 1 || !book.actorSheets.has(patch.sheet)) return undefined
    let rows = touched.get(patch.sheet)
    if (!rows) touched.set(patch.sheet, (rows = new Set()))
    rows.add(patch.row)
  }
  const actorSheets = new Map(book.actorSheets)
  let lastModifiedMs = book.lastModifiedMs
  for (const [name, indexes] of touched) {
    const before = book.actorSheets.get(name)!
    const rawSheet = raw.sheets.find((s) => s.name === name)
    if (!rawSheet) return undefined
    const rows = before.rows.slice()
    const byKey = new Map(before.byKey)
    for (const index of [...indexes].sort((a, b) => a - b)) {
      const at = firstRowAtOrAfter(rows, index)
      const existing = rows[at]?.row === index ? rows[at] : undefined
      const row = actorRowOf(before, rawSheet.rows[index] ?? [], index)
      if (existing) {
        if (!row || row.erpKey !== existing.erpKey) return undefined
        rows[at] = row
      } else {
        if (!row) continue
        // A keyed row that was not an actor (a repeated key) or a key used elsewhere: the problems list changes.
        if (index < before.nextRow || byKey.has(row.erpKey)) return undefined
        rows.splice(at, 0, row)
      }
      byKey.set(row.erpKey, row)
      const ms = instantOf(row.lastModified)
      if (ms !== undefined && ms > lastModifiedMs) lastModifiedMs = ms
    }
    actorSheets.set(name, { ...before, rows, byKey, nextRow: Math.max(1, rawSheet.rows.length) })
  }
  return { actorSheets, lists: book.lists, lastModifiedMs, problems: book.problems }
}

/** Where row `index` is or would go in `rows` (in sheet order). */
function firstRowAtOrAfter(rows: readonly ActorRow[], index: number): number {
  let low = 0
  let high = rows.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (rows[middle]!.row < index) low = middle + 1
    else high = middle
  }
  return low
}

function defaultSpec(key: string): FieldSpec {
  return { key, column: -1, type: 'Text', access: 'Normal', displayName: key, description: '', listName: '', maxLength: 0, searchable: true, generated: '' }
}

function readFieldSpecs(raw: RawWorkbook, problems: string[]): Map<string, Omit<FieldSpec, 'column'>> {
  const specs = new Map<string, Omit<FieldSpec, 'column'>>()
  const sheet = raw.sheets.find((s) => s.name === FIELDS_SHEET)
  if (!sheet) return specs
  const header = (sheet.rows[0] ?? []).map((c) => cellText(c).trim().toLowerCase())
  const at = (cells: RawCell[], name: (typeof FIELDS_HEADER)[number]) => {
    const index = header.indexOf(name.toLowerCase())
    return index < 0 ? '' : cellText(cells[index]).trim()
  }
  sheet.rows.slice(1).forEach((cells, i) => {
    const line = `Fields row ${i + 2}`
    const sheetName = at(cells, 'Sheet')
    const key = at(cells, 'FieldKey')
    if (sheetName === '' && key === '') return
    if (sheetName === '' || key === '') return problems.push(`${line} needs both Sheet and FieldKey.`)
    const typeText = at(cells, 'Type') || 'Text'
    const type = FIELD_TYPES.find((t) => t.toLowerCase() === typeText.toLowerCase())
    if (!type) problems.push(`${line}: Type "${typeText}" is not one of ${FIELD_TYPES.join(', ')}; Text is used.`)
    const accessText = at(cells, 'Access') || 'Normal'
    const access = ACCESS.find((a) => a.toLowerCase() === accessText.toLowerCase())
    if (!access) problems.push(`${line}: Access "${accessText}" is not one of ${ACCESS.join(', ')}; Normal is used.`)
    const texts = (['DisplayName', 'Description', 'ListName'] as const).filter((name) => unsendableIn(at(cells, name)))
    if (texts.length > 0) problems.push(`${line}: ${texts.join(', ')} ${texts.length > 1 ? 'have' : 'has'} characters that cannot be sent to SuperOffice; they are sent as U+FFFD.`)
    const maxLength = Number(at(cells, 'MaxLength') || '0')
    const searchable = at(cells, 'Searchable').toLowerCase()
    specs.set(`${sheetName}\u0000${key}`, {
      key,
      type: type ?? 'Text',
      access: access ?? 'Normal',
      displayName: sendable(at(cells, 'DisplayName') || key),
      description: sendable(at(cells, 'Description')),
      listName: sendable(at(cells, 'ListName')),
      maxLength: Number.isInteger(maxLength) && maxLength > 0 ? maxLength : 0,
      searchable: !['no', 'false', '0', 'n'].includes(searchable),
      generated: at(cells, 'Generated'),
    })
  })
  return specs
}

/** A LastModified (or UpdatedOnOrAfter) as an instant: ISO forms and [DT:…] are UTC when they carry no zone. */
export function instantOf(text: string): number | undefined {
  // Every row's LastModified is read whenever a workbook is read: the connector's own form is taken apart directly.
  const own = ownStampInstant(text)
  if (own !== undefined) return own
  const w = text === '' ? null : parseEncodedDate(text)
  return w ? Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, Math.floor(w.ticks / 10_000)) : undefined
}

/** Digits of `text` from `start` to `end` as a number, or -1 when one is not a digit. */
function digitsAt(text: string, start: number, end: number): number {
  let n = 0
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - 48
    if (d < 0 || d > 9) return -1
    n = n * 10 + d
  }
  return n
}

/**
 * The instant of `yyyy-mm-ddThh:mm:ss[.f[f[f]]]Z` (what `Date.prototype.toISOString` writes, which the connector
 * stamps), or undefined for any other text, which the general reader then reads (to the same instant).
 */
function ownStampInstant(text: string): number | undefined {
  const length = text.length
  if (length < 20 || length > 24 || length === 21 || text.charCodeAt(length - 1) !== 90 /* Z */) return undefined
  if (text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':') return undefined
  if (length > 20 && text[19] !== '.') return undefined
  const year = digitsAt(text, 0, 4)
  const month = digitsAt(text, 5, 7)
  const day = digitsAt(text, 8, 10)
  const hour = digitsAt(text, 11, 13)
  const minute = digitsAt(text, 14, 16)
  const second = digitsAt(text, 17, 19)
  const fraction = length > 20 ? digitsAt(text, 20, length - 1) : 0
  // Years before 100 are left to the general reader, whose Date.UTC reads them as 19xx.
  if (year < 100 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || fraction < 0) return undefined
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  const days = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
  if (day > days) return undefined
  const ms = length === 24 ? fraction : length === 23 ? fraction * 10 : fraction * 100
  return Date.UTC(year, month - 1, day, hour, minute, second, length === 20 ? 0 : ms)
}

/** The LastModified for a change now: sortable as text, ISO, and later than every value in the workbook. */
export function nextLastModified(book: ErpWorkbook, now = Date.now()): string {
  const ms = Math.max(now, book.lastModifiedMs + 1)
  return new Date(ms).toISOString()
}

/** The wire value of a cell for a field (contract section 9). An empty cell is an empty string. */
export function encodeCell(field: FieldSpec, cell: RawCell | undefined): string {
  if (cell === null || cell === undefined || cell === '') return ''
  try {
    switch (field.type) {
      case 'Integer':
        return encodeInteger(typeof cell === 'number' ? Math.round(cell) : parseIntegerValue(cellText(cell)))
      case 'Double':
        return encodeDouble(typeof cell === 'number' ? cell : parseDoubleValue(cellText(cell)))
      case 'Checkbox':
        return encodeCheckbox(typeof cell === 'boolean' ? cell : typeof cell === 'number' ? cell !== 0 : parseCheckboxValue(cellText(cell)))
      case 'Datetime':
        return encodeDateTime(isDateCell(cell) ? serialToWallClock(cell.serial) : typeof cell === 'number' ? serialToWallClock(cell) : parseDateTimeValue(cellText(cell)))
      default:
        return cellText(cell)
    }
  } catch {
    // A person typed something the type cannot hold; send it as it stands rather than lose it.
    return cellText(cell)
  }
}

/** The cell to store for a wire value; throws ValueEncodingError (or a message) naming what was expected. */
export function decodeValue(field: FieldSpec, value: string | null, lists: Map<string, Map<string, string>>): RawCell {
  if (value === null || value === '') return null
  if (field.type === 'List' && !lists.get(field.listName)?.has(value)) {
    throw new Error(`"${value}" is not a key of the list ${field.listName}`)
  }
  if (field.maxLength > 0 && [...value].length > field.maxLength) throw new Error(`it is longer than ${field.maxLength} characters`)
  const decoded = decodeFieldValue(field.type, value)
  return typeof decoded === 'object' ? { serial: wallClockToSerial(decoded) } : decoded
}

/** The next value of a generated field: `{n}` in the pattern becomes one more than the highest number used. */
export function generatedValue(sheet: ActorSheet, field: FieldSpec): RawCell {
  const [before = '', after = ''] = field.generated.split('{n}')
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const pattern = new RegExp(`^${escape(before)}(\\d+)${escape(after)}$`)
  let highest = 0
  for (const row of sheet.rows) {
    const m = pattern.exec(cellText(row.cells[field.column]).trim())
    if (m) highest = Math.max(highest, Number(m[1]))
  }
  const next = highest + 1
  if (field.type === 'Integer' || field.type === 'Double') return next
  return `${before}${next}${after}`
}
