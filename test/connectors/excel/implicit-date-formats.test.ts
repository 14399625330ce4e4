// Excel's East Asian built-in date formats (ids 27-36 and 50-58, used by Chinese, Japanese and Korean Excel) are
// named by id alone, never defined in styles.xml; the worker parses with cellText: false, with which sheetjs does not
// load them by itself. Cells in them must still read as dates, and writing must keep them dates.
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import XLSX from 'sheetjs-style'
import t, { type Test } from 'tap'
import { isDateCell } from '../../../src/connectors/excel/cells.js'
import { templateWorkbook } from '../../../src/connectors/excel/template.js'
import { interpretWorkbook, type ErpWorkbook } from '../../../src/connectors/excel/workbook.js'
import { WorkbookFiles } from '../../../src/connectors/excel/workbook-files.js'
import { contentOf, readZip } from '../../../src/connectors/excel/package-parts.js'
import { openZip } from '../../../src/connectors/excel/zip.js'
import { unlockedContext, workbookFilesIn } from '../../helpers/excel.js'

/** The template workbook as Excel in a zh/ja locale saves it: its date cells' style uses built-in format `id` (57 unless told), which styles.xml does not define. */
function withBuiltInCjkDates(t: Test, file: string, id = 57): void {
  const zip = openZip(readFileSync(file))
  const styles = zip.file('xl/styles.xml')!.asText()
  const dateIds = [...styles.matchAll(/<numFmt numFmtId="(\d+)" formatCode="([^"]*)"/g)].filter(([, , code]) => /yy/.test(code!)).map(([, id]) => id!)
  t.ok(dateIds.length > 0, 'the template has a date format')
  let changed = styles
  for (const dateId of dateIds) changed = changed.replaceAll(`numFmtId="${dateId}"`, `numFmtId="${id}"`)
  zip.file('xl/styles.xml', changed.replace(/<numFmts[\s\S]*?<\/numFmts>/, ''))
  writeFileSync(file, zip.generate({ type: 'nodebuffer', compression: 'DEFLATE' }))
}

t.test('dates in a built-in East Asian date format (numFmtId 57) are read as dates', async (t) => {
  const { file, files } = workbookFilesIn(t, 'Cjk.xlsx')
  await files.create(unlockedContext, 'cjk', file, templateWorkbook())
  withBuiltInCjkDates(t, file)

  const fresh = new WorkbookFiles<ErpWorkbook>(interpretWorkbook)
  t.teardown(() => fresh.close())
  const sheet = (await fresh.read(file)).actorSheets.get('Customer')!
  const column = sheet.fieldByKey.get('StartDate')!.column
  const cells = sheet.rows.map((row) => row.cells[column])
  t.ok(cells.length >= 2, 'the template has customers with a StartDate')
  t.same(cells.map((cell) => isDateCell(cell ?? null)), cells.map(() => true), `every StartDate is a date (read: ${JSON.stringify(cells)})`)
})

t.test('every East Asian built-in date and time format is read as a date', async (t) => {
  const { dir, files } = workbookFilesIn(t, 'unused.xlsx')
  const fresh = new WorkbookFiles<ErpWorkbook>(interpretWorkbook)
  t.teardown(() => fresh.close())
  for (const id of [27, 31, 32, 35, 36, 50, 56, 58]) {
    const file = path.join(dir, `Cjk${id}.xlsx`)
    await files.create(unlockedContext, 'cjk', file, templateWorkbook())
    withBuiltInCjkDates(t, file, id)
    const sheet = (await fresh.read(file)).actorSheets.get('Customer')!
    const column = sheet.fieldByKey.get('StartDate')!.column
    const cells = sheet.rows.map((row) => row.cells[column] ?? null)
    t.same(cells.filter((cell) => !isDateCell(cell)), [], `format ${id}: every StartDate is a date (read: ${JSON.stringify(cells)})`)
  }
})

t.test('writing one date into such a workbook leaves the other date cells shown as dates', async (t) => {
  const { file, files } = workbookFilesIn(t, 'CjkWrite.xlsx')
  await files.create(unlockedContext, 'cjk', file, templateWorkbook())
  withBuiltInCjkDates(t, file)
  const shownAsDate = () => {
    const ws = XLSX.read(readFileSync(file), { type: 'buffer', cellNF: true }).Sheets.Customer!
    const header = XLSX.utils.sheet_to_json<string[]>(ws, { header: 1 })[0]!
    const cell = ws[XLSX.utils.encode_cell({ r: 2, c: header.indexOf('StartDate') })] as XLSX.CellObject
    return { v: cell.v, w: cell.w }
  }
  const before = shownAsDate()
  t.match(before.w, /\//, `before: ${JSON.stringify(before)}`)
  await files.update(unlockedContext, 'cjk', file, (book) => {
    const sheet = book.actorSheets.get('Customer')!
    return { patches: [{ sheet: 'Customer', row: sheet.rows[0]!.row, col: sheet.fieldByKey.get('StartDate')!.column, value: { serial: 45_000 } }], answer: () => undefined }
  })
  t.same(shownAsDate(), before, 'the other customer\'s StartDate is still shown as a date, not as 45078.39583')
})

/** Every cell of every sheet part whose style shows built-in format 57, by part and cell reference. */
function cellsInFormat57(file: string): Map<string, number> {
  const parts = new Map(readZip(readFileSync(file))!.map((entry) => [entry.name, contentOf(entry)!]))
  const cellXfs = /<cellXfs\b[^>]*>([\s\S]*?)<\/cellXfs>/.exec(parts.get('xl/styles.xml')!)![1]!
  const formatOfStyle = (cellXfs.match(/<xf\b[^>]*>/g) ?? []).map((tag) => Number(/numFmtId="(\d+)"/.exec(tag)?.[1] ?? 0))
  const found = new Map<string, number>()
  for (const [name, xml] of parts) {
    if (!/^xl\/worksheets\/sheet\d+\.xml$/.test(name)) continue
    for (const [, ref, style] of xml.matchAll(/<c r="([A-Z]+\d+)"[^>]*?\ss="(\d+)"/g)) {
      if (formatOfStyle[Number(style)] === 57) found.set(`${name}!${ref!}`, 57)
    }
  }
  return found
}

t.test('a date written into such a workbook: every date cell, the written one too, keeps format 57 and reads as a date', async (t) => {
  const { file, files } = workbookFilesIn(t, 'CjkRoundTrip.xlsx')
  await files.create(unlockedContext, 'cjk', file, templateWorkbook())
  withBuiltInCjkDates(t, file)
  const before = cellsInFormat57(file)
  t.ok(before.size >= 2, `the workbook has date cells in format 57 (${before.size})`)

  let written = ''
  await files.update(unlockedContext, 'cjk', file, (book) => {
    const sheet = book.actorSheets.get('Customer')!
    const column = sheet.fieldByKey.get('StartDate')!.column
    const row = sheet.rows.find((r) => r.cells[column] === undefined || r.cells[column] === null) ?? sheet.rows[0]!
    written = XLSX.utils.encode_cell({ r: row.row, c: column })
    return { patches: [{ sheet: 'Customer', row: row.row, col: column, value: { serial: 45_000.5 } }], answer: () => undefined }
  })

  const after = cellsInFormat57(file)
  for (const key of before.keys()) t.ok(after.has(key), `${key} still has format 57`)
  t.ok([...after.keys()].some((key) => key.endsWith(`!${written}`)), `the written cell ${written} has format 57`)

  const fresh = new WorkbookFiles<ErpWorkbook>(interpretWorkbook)
  t.teardown(() => fresh.close())
  const sheet = (await fresh.read(file)).actorSheets.get('Customer')!
  const column = sheet.fieldByKey.get('StartDate')!.column
  const dates = sheet.rows.map((row) => row.cells[column] ?? null).filter((cell) => cell !== null)
  t.ok(dates.length >= 2, 're-read: customers with a StartDate')
  t.same(dates.filter((cell) => !isDateCell(cell)), [], `re-read: every StartDate is a date (${JSON.stringify(dates)})`)
  t.ok(dates.some((cell) => isDateCell(cell) && cell.serial === 45_000.5), 'the written date is read back')
})
