// A workbook round-trips: reading and writing it any number of times leaves every part other than the changed cells
// as it was. Each cycle writes one cell through the connector's files, then saves the same bytes again as a person
// would (a new file, so the next write must read it again).
import { copyFileSync, readFileSync, renameSync } from 'node:fs'
import t from 'tap'
import { templateWorkbook } from '../../../src/connectors/excel/template.js'
import { interpretWorkbook, type ErpWorkbook } from '../../../src/connectors/excel/workbook.js'
import { WorkbookFiles } from '../../../src/connectors/excel/workbook-files.js'
import { openZip } from '../../../src/connectors/excel/zip.js'
import { unlockedContext, workbookFilesIn } from '../../helpers/excel.js'

const ctx = unlockedContext

function partSizes(file: string): Map<string, number> {
  const zip = openZip(readFileSync(file)) as unknown as { files: Record<string, { dir: boolean; asNodeBuffer(): Buffer }> }
  const sizes = new Map<string, number>()
  for (const [name, entry] of Object.entries(zip.files)) if (!entry.dir) sizes.set(name, entry.asNodeBuffer().length)
  return sizes
}

/** Saves the file's own bytes as a new file in its place, as Excel does: the connector must read it again. */
function outsideResave(file: string): void {
  const copy = `${file}.person`
  copyFileSync(file, copy)
  renameSync(copy, file)
}

t.test('a hundred write and re-read cycles leave every part within a few bytes of its size', async (t) => {
  const { file, files } = workbookFilesIn(t, 'Cycles.xlsx')
  await files.create(ctx, 'cycles', file, templateWorkbook())
  const write = (n: number) =>
    files.update(ctx, 'cycles', file, (book) => {
      const sheet = book.actorSheets.get('Customer')!
      return { patches: [{ sheet: 'Customer', row: sheet.rows[0]!.row, col: sheet.fieldByKey.get('NAME')!.column, value: `cycle ${String(n).padStart(3, '0')}` }], answer: () => n }
    })
  await write(0)
  outsideResave(file)
  await write(1)
  const first = partSizes(file)
  t.ok(first.has('xl/theme/theme1.xml'), 'the workbook has a theme part')
  for (let n = 2; n <= 100; n++) {
    outsideResave(file)
    await write(n)
  }
  const last = partSizes(file)
  t.same([...last.keys()].sort(), [...first.keys()].sort(), 'the same parts')
  for (const [name, size] of first) {
    t.ok(Math.abs((last.get(name) ?? 0) - size) <= 8, `${name}: ${size} bytes after the first cycle, ${last.get(name)} after the hundredth`)
  }
  const book = await files.read(file)
  const sheet = book.actorSheets.get('Customer')!
  t.equal(sheet.rows[0]!.cells[sheet.fieldByKey.get('NAME')!.column], 'cycle 100', 'the last write is there')
})

t.test('text that looks like Excel\'s _xHHHH_ escape is kept as it is, by a write and by a whole-workbook write', async (t) => {
  const { file, files } = workbookFilesIn(t, 'Escape.xlsx')
  const literal = '_x0041_ lit _x005F_ _x00e9_'
  // The whole-workbook writer (create), then the changed-sheet writer (update of an existing row).
  const template = templateWorkbook()
  const customers = template.sheets.find((s) => s.name === 'Customer')!
  customers.rows[1]![customers.rows[0]!.indexOf('NAME')] = literal
  await files.create(ctx, 'escape', file, template)
  await files.update(ctx, 'escape', file, (book) => {
    const sheet = book.actorSheets.get('Customer')!
    return { patches: [{ sheet: 'Customer', row: sheet.rows[1]!.row, col: sheet.fieldByKey.get('NAME')!.column, value: literal }], answer: () => undefined }
  })
  const fresh = new WorkbookFiles<ErpWorkbook>((raw) => interpretWorkbook(raw))
  t.teardown(() => fresh.close())
  const sheet = (await fresh.read(file)).actorSheets.get('Customer')!
  const name = sheet.fieldByKey.get('NAME')!.column
  t.equal(sheet.rows[0]!.cells[name], literal, 'written whole: read back as written')
  t.equal(sheet.rows[1]!.cells[name], literal, 'written by the changed-sheet writer: read back as written')
})
