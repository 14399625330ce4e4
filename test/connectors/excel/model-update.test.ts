// A change re-reads only the rows it touches (interpretWorkbook with the earlier model): whatever the change, the
// model it gives is the one a whole read of the changed workbook gives, and the earlier model is left as it was
// (it may still be answering reads while the change is written). LastModified in the connector's own form is read
// by a shortcut that must agree with the general date reader.
import { isDeepStrictEqual } from 'node:util'
import t from 'tap'
import type { CellPatch, RawCell, RawWorkbook } from '../../../src/connectors/excel/cells.js'
import { patched } from '../../../src/connectors/excel/workbook-files.js'
import { templateWorkbook } from '../../../src/connectors/excel/template.js'
import { instantOf, interpretWorkbook, type ErpWorkbook } from '../../../src/connectors/excel/workbook.js'
import { parseEncodedDate } from '../../../src/encoding/field-values.js'

function workbook(customers: number): RawWorkbook {
  const raw = templateWorkbook()
  const sheet = raw.sheets.find((s) => s.name === 'Customer')!
  const header = sheet.rows[0]!.map(String)
  const rows: RawCell[][] = [sheet.rows[0]!]
  for (let i = 1; i <= customers; i++) {
    rows.push(header.map((column): RawCell => (column === 'ErpKey' ? String(i) : column === 'LastModified' ? `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.000Z` : column === 'NAME' ? `Customer ${i}` : null)))
  }
  sheet.rows = rows
  return raw
}

/** A model as plain data, to compare two models and to see that one did not change. */
function snapshot(book: ErpWorkbook): unknown {
  return {
    ...book,
    actorSheets: [...book.actorSheets].map(([name, sheet]) => [name, { ...sheet, rows: sheet.rows.map((r) => ({ ...r, cells: [...r.cells] })), byKey: [...sheet.byKey].map(([k, r]) => [k, r.row]), fieldByKey: [...sheet.fieldByKey.keys()] }]),
    lists: [...book.lists].map(([name, items]) => [name, [...items]]),
  }
}

const column = (raw: RawWorkbook, sheet: string, name: string) => raw.sheets.find((s) => s.name === sheet)!.rows[0]!.indexOf(name)

t.test('a change read row by row gives the model a whole read gives', async (t) => {
  const raw = workbook(50)
  const name = column(raw, 'Customer', 'NAME')
  const key = column(raw, 'Customer', 'ErpKey')
  const stamp = column(raw, 'Customer', 'LastModified')
  const listText = column(raw, 'CustomerGroup', 'Text')
  const fieldsType = column(raw, 'Fields', 'Type')
  const cases: Array<[string, CellPatch[]]> = [
    ['a saved field and a later LastModified', [{ sheet: 'Customer', row: 7, col: name, value: 'Saved AS' }, { sheet: 'Customer', row: 7, col: stamp, value: '2026-06-01T12:00:00.000Z' }]],
    ['a cell emptied', [{ sheet: 'Customer', row: 3, col: name, value: null }]],
    ['two sheets at once', [{ sheet: 'Customer', row: 2, col: name, value: 'A' }, { sheet: 'Supplier', row: 1, col: column(raw, 'Supplier', 'NAME'), value: 'B' }]],
    ['a new row at the end', [{ sheet: 'Customer', row: 51, col: key, value: '51' }, { sheet: 'Customer', row: 51, col: stamp, value: '2026-06-01T12:00:00.000Z' }]],
    ['a new row past an empty one', [{ sheet: 'Customer', row: 53, col: key, value: '900' }]],
    ['the last row emptied', [{ sheet: 'Customer', row: 50, col: key, value: null }]],
    ['a key changed', [{ sheet: 'Customer', row: 4, col: key, value: '4000' }]],
    ['a key repeated', [{ sheet: 'Customer', row: 51, col: key, value: '1' }]],
    ['a key removed', [{ sheet: 'Customer', row: 5, col: key, value: '' }]],
    ['a header renamed', [{ sheet: 'Customer', row: 0, col: name, value: 'NAME2' }]],
    ['a list item', [{ sheet: 'CustomerGroup', row: 1, col: listText, value: 'Renamed' }]],
    ['a field described otherwise', [{ sheet: 'Fields', row: 1, col: fieldsType, value: 'Double' }]],
    ['an older LastModified', [{ sheet: 'Customer', row: 9, col: stamp, value: '2020-01-01T00:00:00Z' }]],
    ['a LastModified in another form', [{ sheet: 'Customer', row: 9, col: stamp, value: '[DT:06/01/2027 10:00:00.0000000]' }]],
  ]
  for (const [what, patches] of cases) {
    const earlier = interpretWorkbook(raw)
    const before = snapshot(earlier)
    const changed = patched(raw, patches)
    const whole = interpretWorkbook(changed)
    const byRows = interpretWorkbook(changed, { book: earlier, patches })
    t.ok(isDeepStrictEqual(snapshot(byRows), snapshot(whole)), `${what}: the same model`)
    t.ok(isDeepStrictEqual(snapshot(earlier), before), `${what}: the earlier model is unchanged`)
  }
})

t.test('changes in a row, one after another, each on the last model, end where a whole read does', async (t) => {
  let raw = workbook(200)
  let book = interpretWorkbook(raw)
  const name = column(raw, 'Customer', 'NAME')
  const key = column(raw, 'Customer', 'ErpKey')
  const stamp = column(raw, 'Customer', 'LastModified')
  for (let i = 0; i < 40; i++) {
    const sheet = book.actorSheets.get('Customer')!
    const row = i % 4 === 0 ? sheet.nextRow : 1 + ((i * 37) % 200)
    const patches: CellPatch[] = [{ sheet: 'Customer', row, col: name, value: `Change ${i}` }, { sheet: 'Customer', row, col: stamp, value: new Date(Date.UTC(2027, 0, 1) + i * 1000).toISOString() }]
    if (i % 4 === 0) patches.push({ sheet: 'Customer', row, col: key, value: String(1000 + i) })
    raw = patched(raw, patches)
    book = interpretWorkbook(raw, { book, patches })
  }
  t.ok(isDeepStrictEqual(snapshot(book), snapshot(interpretWorkbook(raw))))
  t.equal(book.actorSheets.get('Customer')!.rows.length, 210)
})

t.test('LastModified in the connector\'s own form is read as the general date reader reads it', async (t) => {
  const general = (text: string) => {
    const w = text === '' ? null : parseEncodedDate(text)
    return w ? Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, Math.floor(w.ticks / 10_000)) : undefined
  }
  const texts = [
    '2026-12-01T10:00:00.000Z', '2026-12-01T10:00:00Z', '2026-12-01T10:00:00.5Z', '2026-12-01T10:00:00.05Z', '2026-12-01T10:00:00.Z',
    '2026-12-01T10:00:00.1234Z', '2026-12-01t10:00:00Z', '2026-12-01T10:00:00', '2026-12-01T1a:00:00Z', '2024-02-29T23:59:59.999Z',
    '2023-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2000-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-13-01T00:00:00Z',
    '2026-00-01T00:00:00Z', '2026-12-00T00:00:00Z', '2026-12-01T24:00:00Z', '2026-12-01T10:60:00Z', '2026-12-01T10:00:60Z',
    '0000-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '0099-12-31T00:00:00Z', '0100-03-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '',
  ]
  for (let i = 0; i < 2000; i++) texts.push(new Date(Date.UTC(1970, 0, 1) + i * 1_234_567_891_3).toISOString())
  const differing = texts.filter((text) => instantOf(text) !== general(text))
  t.same(differing, [], 'no text is read differently')
})
