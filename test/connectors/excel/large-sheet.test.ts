// A sheet near the worker's row limit (250,000) works end to end in the connector's own code: reading its layout,
// numbering a new actor, searching. Nothing spreads a sheet's rows into a function call's arguments (that
// overflows the stack from about 120,000 rows). The workbook is built in memory: the worker's parse is not what
// is tested here.
import t from 'tap'
import type { RawCell, RawWorkbook } from '../../../src/connectors/excel/cells.js'
import { compileRestriction, containsText } from '../../../src/connectors/excel/search.js'
import { generatedValue, interpretWorkbook, nextErpKey, nextLastModified } from '../../../src/connectors/excel/workbook.js'

const ROWS = 200_001
const rows: RawCell[][] = [['ErpKey', 'LastModified', 'CustNo', 'NAME']]
for (let i = 1; i < ROWS; i++) rows.push([String(i), '2026-01-01T00:00:00.000Z', i + 1000, `Customer ${i}`])
const raw: RawWorkbook = { sheets: [{ name: 'Customer', rows }] }

t.test(`a ${ROWS.toLocaleString('en')}-row sheet`, async (t) => {
  const book = interpretWorkbook(raw)
  const sheet = book.actorSheets.get('Customer')!
  t.equal(sheet.rows.length, ROWS - 1, 'every row is read')
  t.same(book.problems, [])
  t.equal(nextErpKey(sheet), String(ROWS), 'the new ErpKey is one past the highest')
  t.equal(generatedValue(sheet, { ...sheet.fieldByKey.get('CustNo')!, generated: '{n}', type: 'Integer' }), ROWS + 1000)
  t.equal(nextLastModified(book, 0), '2026-01-01T00:00:00.001Z')
  const name = sheet.fieldByKey.get('NAME')!
  const match = compileRestriction({ key: 'NAME', type: 'Text' }, 'ends', [' 200000'])
  t.same(sheet.rows.filter((row) => match(row.cells[name.column] as string)).map((row) => row.erpKey), ['200000'], 'an advanced search')
  t.equal(sheet.rows.filter((row) => containsText(row.cells[name.column] as string, 'customer 19999')).length, 11, 'a text search')
})
