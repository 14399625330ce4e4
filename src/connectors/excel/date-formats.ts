/**
 * Which number formats, and so which cell styles, show a date: the one place that decides it. A style names its
 * format by id; the workbook defines its own formats in styles.xml, and Excel's built-in ones are used by id alone.
 * sheetjs knows the built-ins every Excel has (14-22, 45-47...), but the East Asian editions' (27-36, 50-58) it
 * loads only while it formats each cell's text, which the worker skips (cellText: false: formatting every cell took
 * a third of a parse). So they are declared here and given to sheetjs before it parses the sheets.
 */
import XLSX from 'sheetjs-style'
import { attribute, contentOf, readZip, unescapeXml, withBytes, writeZip } from './package-parts.js'

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

/**
 * Excel's East Asian built-in formats. Their codes depend on the language of the Excel that shows them (年/月/日,
 * era dates, 時/分...), all of them dates or times; these stand-ins are the ones sheetjs itself uses for them.
 */
const EAST_ASIAN_BUILT_IN_FORMATS: ReadonlyMap<number, string> = new Map([
  ...[...range(27, 31), 36, ...range(50, 58)].map((id) => [id, 'm/d/yy'] as const),
  ...range(32, 35).map((id) => [id, 'h:mm:ss'] as const),
])

/** The built-in formats sheetjs knows at every parse (its table as each read starts it). */
const SHEETJS_BUILT_IN_FORMATS: ReadonlyMap<number, string> = (() => {
  const table: Record<number, string> = {}
  ;(XLSX.SSF as unknown as { init_table(table: Record<number, string>): void }).init_table(table)
  return new Map(Object.entries(table).map(([id, code]) => [Number(id), code]))
})()

/** Every built-in format by id, as a workbook may use it without defining it. */
const BUILT_IN_FORMATS: ReadonlyMap<number, string> = new Map([...EAST_ASIAN_BUILT_IN_FORMATS, ...SHEETJS_BUILT_IN_FORMATS])

export function isDateFormat(code: unknown): code is string {
  return typeof code === 'string' && XLSX.SSF.is_date(code)
}

/** The formats styles.xml defines by id, and the format id of each cell style (in cellXfs order: a cell's `s`). */
function styleFormats(stylesXml: string): { defined: Map<number, string>; styleFormatIds: number[] } {
  const defined = new Map<number, string>()
  for (const tag of stylesXml.match(/<(?:\w+:)?numFmt\b[^>]*>/g) ?? []) {
    const id = Number(attribute(tag, 'numFmtId'))
    const code = attribute(tag, 'formatCode')
    if (Number.isInteger(id) && code !== undefined) defined.set(id, unescapeXml(code))
  }
  const cellXfs = /<(?:\w+:)?cellXfs\b[^>]*>([\s\S]*?)<\/(?:\w+:)?cellXfs>/.exec(stylesXml)?.[1] ?? ''
  const styleFormatIds = (cellXfs.match(/<(?:\w+:)?xf\b[^>]*>/g) ?? []).map((tag) => Number(attribute(tag, 'numFmtId') ?? 0))
  return { defined, styleFormatIds }
}

/** Does a date format show the day (a year, day or month-name token outside quotes and brackets), not only a time? */
function showsDay(code: string): boolean {
  const tokens = code.replace(/"[^"]*"|\[[^\]]*\]|\\./g, '')
  return /[yd]/i.test(tokens) || /m{3,}/i.test(tokens)
}

/** Which cell styles (indices into cellXfs) show a date, and the one to give a new date cell (`preferred`'s if any). */
export function dateStyles(stylesXml: string, preferred: string): { dates: Set<number>; preferred: number | undefined } {
  const { defined, styleFormatIds } = styleFormats(stylesXml)
  const dates = new Set<number>()
  let exact: number | undefined
  let withDay: number | undefined
  let any: number | undefined
  styleFormatIds.forEach((id, index) => {
    const code = defined.get(id) ?? BUILT_IN_FORMATS.get(id)
    if (!isDateFormat(code)) return
    dates.add(index)
    any ??= index
    // A time-only format (h:mm:ss) would hide the date of a new date cell: prefer one that shows the day.
    if (showsDay(code!)) withDay ??= index
    if (code === preferred) exact ??= index
  })
  return { dates, preferred: exact ?? withDay ?? any }
}

/**
 * The package with the East Asian built-in formats its cell styles use defined in styles.xml, so that sheetjs gives
 * those cells their format (and they read as dates); undefined when it uses none, or is not laid out as expected.
 * It is for parsing only: the file itself is never changed by it.
 */
export function withBuiltInDateFormatsDefined(bytes: Buffer): Buffer | undefined {
  try {
    const entries = readZip(bytes)
    const index = entries?.findIndex((entry) => entry.name === 'xl/styles.xml') ?? -1
    if (!entries || index < 0) return undefined
    const xml = contentOf(entries[index]!)
    if (xml === undefined) return undefined
    const { defined, styleFormatIds } = styleFormats(xml)
    const missing = [...new Set(styleFormatIds)].filter((id) => EAST_ASIAN_BUILT_IN_FORMATS.has(id) && !defined.has(id) && !SHEETJS_BUILT_IN_FORMATS.has(id))
    if (missing.length === 0) return undefined
    const added = missing.map((id) => `<numFmt numFmtId="${id}" formatCode="${EAST_ASIAN_BUILT_IN_FORMATS.get(id)!}"/>`).join('')
    let changed: string
    if (/<(?:\w+:)?numFmts\b[^>]*\/>/.test(xml)) changed = xml.replace(/<((?:\w+:)?numFmts)\b[^>]*\/>/, `<$1>${added}</$1>`)
    else if (/<\/(?:\w+:)?numFmts>/.test(xml)) changed = xml.replace(/<\/(?:\w+:)?numFmts>/, (close) => `${added}${close}`)
    else changed = xml.replace(/<((?:\w+:)?)styleSheet\b[^>]*>/, (open, prefix: string) => `${open}<${prefix}numFmts>${added}</${prefix}numFmts>`)
    if (changed === xml) return undefined
    const parts = [...entries]
    parts[index] = withBytes(entries[index]!, Buffer.from(changed, 'utf8'))
    return writeZip(parts)
  } catch {
    // A part that does not inflate: sheetjs, given the file as it is, says what is wrong with it.
    return undefined
  }
}
