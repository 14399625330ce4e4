// A write rewrites only the changed sheet's part: every other part of the package (even one sheetjs does not know)
// stays byte for byte, and what the changed cells hold, and how they look, is what a full rewrite would give.
import { readFileSync, writeFileSync } from 'node:fs'
import XLSX from 'sheetjs-style'
import t from 'tap'
import { templateWorkbook } from '../../../src/connectors/excel/template.js'
import { interpretWorkbook, type ErpWorkbook } from '../../../src/connectors/excel/workbook.js'
import { WorkbookFiles } from '../../../src/connectors/excel/workbook-files.js'
import { openZip } from '../../../src/connectors/excel/zip.js'
import { unlockedContext, workbookFilesIn } from '../../helpers/excel.js'

const ctx = unlockedContext

type Parts = Record<string, { dir: boolean; asNodeBuffer(): Buffer }>
const partsOf = (file: string) => (openZip(readFileSync(file)) as unknown as { files: Parts }).files

t.test('a write changes only the changed sheet, keeps other parts as they are, and reads back typed and styled', async (t) => {
  const { file, files } = workbookFilesIn(t, 'Fast.xlsx')
  await files.create(ctx, 'fast', file, templateWorkbook())
  // A part sheetjs does not know, as another tool may add: a full rewrite by sheetjs would drop it.
  const zip = openZip(readFileSync(file))
  zip.file('customXml/item1.xml', '<?xml version="1.0"?><note>kept by the person</note>')
  writeFileSync(file, zip.generate({ type: 'nodebuffer', compression: 'DEFLATE' }))
  const before = partsOf(file)

  const book = await files.read(file)
  const sheet = book.actorSheets.get('Customer')!
  const column = (key: string) => sheet.fieldByKey.get(key)?.column ?? (key === 'LastModified' ? sheet.lastModifiedColumn : sheet.erpKeyColumn)
  const existing = sheet.rows[0]!.row
  const added = sheet.nextRow
  const patches = [
    { sheet: 'Customer', row: existing, col: column('NAME'), value: 'Bølle & <Sønner>\u000b AS' },
    { sheet: 'Customer', row: existing, col: column('CreditLimit'), value: 1234.5 },
    { sheet: 'Customer', row: existing, col: column('Active'), value: false },
    { sheet: 'Customer', row: existing, col: column('POSTALCITY'), value: null },
    { sheet: 'Customer', row: added, col: column('ErpKey'), value: 'NEW-1' },
    { sheet: 'Customer', row: added, col: column('StartDate'), value: { serial: 45_000.5 } },
  ]
  await files.update(ctx, 'fast', file, () => ({ patches, answer: () => undefined }))

  const after = partsOf(file)
  t.same(Object.keys(after).sort(), Object.keys(before).sort(), 'the same parts, the unknown one too')
  const workbookXml = after['xl/workbook.xml']!.asNodeBuffer().toString()
  const rels = after['xl/_rels/workbook.xml.rels']!.asNodeBuffer().toString()
  const rid = new RegExp(`<sheet [^>]*name="Customer"[^>]*r:id="([^"]+)"`).exec(workbookXml)![1]
  const customerPart = `xl/${new RegExp(`Id="${rid}"[^>]*Target="([^"]+)"`).exec(rels)?.[1] ?? new RegExp(`Target="([^"]+)"[^>]*Id="${rid}"`).exec(rels)![1]}`
  for (const [name, part] of Object.entries(before)) {
    if (part.dir || name === customerPart) continue
    t.ok(after[name]!.asNodeBuffer().equals(part.asNodeBuffer()), `${name} is unchanged`)
  }
  const customerXml = after[customerPart]!.asNodeBuffer().toString()
  t.match(customerXml, /<pane [^>]*state="frozen"/, 'the header row stays frozen')
  t.match(customerXml, /<cols>/, 'the column widths stay')

  // What Excel shows: a fresh parse by sheetjs, not the connector's own model.
  const read = XLSX.read(readFileSync(file), { type: 'buffer', cellStyles: true, cellNF: true })
  const ws = read.Sheets.Customer!
  const at = (row: number, col: number) => ws[XLSX.utils.encode_cell({ r: row, c: col })] as (XLSX.CellObject & { s?: unknown }) | undefined
  t.same([at(existing, column('NAME'))?.t, at(existing, column('NAME'))?.v], ['s', 'Bølle & <Sønner>\u000b AS'], 'a string with markup and a control character')
  t.same([at(existing, column('CreditLimit'))?.t, at(existing, column('CreditLimit'))?.v], ['n', 1234.5], 'a number')
  t.same([at(existing, column('Active'))?.t, at(existing, column('Active'))?.v], ['b', false], 'a boolean')
  t.equal(at(existing, column('POSTALCITY')), undefined, 'an emptied cell')
  const date = at(added, column('StartDate'))
  t.same([date?.t, date?.v], ['n', 45_000.5], 'a date in an added row')
  t.ok(typeof date?.z === 'string' && XLSX.SSF.is_date(date.z), `shown as a date (${String(date?.z)})`)
  t.equal(at(added, column('ErpKey'))?.v, 'NEW-1', 'the added row has its key')
  t.equal(XLSX.utils.decode_range(ws['!ref']!).e.r, added, 'the sheet\'s range covers the added row')
  const header = at(0, 0)
  t.match(JSON.stringify(header?.s ?? {}), /1F4E78/i, 'the header keeps its style')

  // And the connector's model after the write agrees with the file as a fresh reader sees it.
  const again = new WorkbookFiles<ErpWorkbook>((raw) => interpretWorkbook(raw))
  t.teardown(() => again.close())
  const fresh = (await again.read(file)).actorSheets.get('Customer')!
  const cached = (await files.read(file)).actorSheets.get('Customer')!
  t.same(fresh.rows.map((r) => r.cells), cached.rows.map((r) => r.cells), 'the cached model is what the file holds')
})

t.test('changes that queue behind a rewrite share the next one, each all-or-nothing and seeing the earlier ones', async (t) => {
  const { file, files } = workbookFilesIn(t, 'Grouped.xlsx')
  const template = templateWorkbook()
  const customers = template.sheets.find((s) => s.name === 'Customer')!
  const header = customers.rows[0]!.map(String)
  for (let i = 3; i <= 20; i++) customers.rows.push(header.map((h) => (h === 'ErpKey' ? String(i) : h === 'CreditLimit' ? 0 : null)))
  await files.create(ctx, 'grouped', file, template)
  const rewritesBefore = files.rewriteCount()
  const initial = await files.read(file)
  const creditColumn = initial.actorSheets.get('Customer')!.fieldByKey.get('CreditLimit')!.column
  const start = Math.max(...initial.actorSheets.get('Customer')!.rows.map((r) => Number(r.cells[creditColumn] ?? 0)))
  const expected = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => start + n)

  // Each saver sets its own row's NAME, and CreditLimit to one more than the highest in the sheet: the numbers
  // are 8 in a row only if every plan saw the cells of the plans before it.
  const save = (n: number) =>
    files.update(ctx, 'grouped', file, (book) => {
      const sheet = book.actorSheets.get('Customer')!
      if (n === 5) throw new Error('saver 5 is refused')
      const credit = sheet.fieldByKey.get('CreditLimit')!.column
      const highest = Math.max(...sheet.rows.map((r) => Number(r.cells[credit] ?? 0)))
      const row = sheet.byKey.get(String(10 + n))!
      return {
        patches: [
          { sheet: 'Customer', row: row.row, col: sheet.fieldByKey.get('NAME')!.column, value: `saver ${n}` },
          { sheet: 'Customer', row: row.row, col: credit, value: highest + 1 },
        ],
        answer: (written: ErpWorkbook) => written.actorSheets.get('Customer')!.byKey.get(String(10 + n))!.cells[credit],
      }
    })
  const results = await Promise.allSettled(Array.from({ length: 9 }, (_, n) => save(n)))
  t.equal(results[5]!.status, 'rejected', 'the refused saver fails')
  t.ok(results.every((r, n) => n === 5 || r.status === 'fulfilled'), 'every other saver succeeds')
  const rewrites = files.rewriteCount() - rewritesBefore
  t.ok(rewrites < 8, `8 changes took ${rewrites} rewrites`)

  const fresh = new WorkbookFiles<ErpWorkbook>((raw) => interpretWorkbook(raw))
  t.teardown(() => fresh.close())
  const sheet = (await fresh.read(file)).actorSheets.get('Customer')!
  const credit = sheet.fieldByKey.get('CreditLimit')!.column
  const name = sheet.fieldByKey.get('NAME')!.column
  const saved = [0, 1, 2, 3, 4, 6, 7, 8].map((n) => sheet.byKey.get(String(10 + n))!)
  t.same(saved.map((r) => r.cells[name]), [0, 1, 2, 3, 4, 6, 7, 8].map((n) => `saver ${n}`), 'every change is in the file')
  t.same(saved.map((r) => Number(r.cells[credit])).sort((a, b) => a - b), expected, 'each plan saw the ones before it')
  t.equal(sheet.byKey.get('15')!.cells[name], null, 'the refused change is not')
  const answers = results.filter((r) => r.status === 'fulfilled').map((r) => Number((r as PromiseFulfilledResult<unknown>).value))
  t.same(answers.sort((a, b) => a - b), expected, 'each answer shows its own change')
})

t.test('savers that send their next change a moment after their answer share rewrites, all eight at a time', async (t) => {
  const { file, files } = workbookFilesIn(t, 'Savers.xlsx')
  const template = templateWorkbook()
  const customers = template.sheets.find((s) => s.name === 'Customer')!
  const header = customers.rows[0]!.map(String)
  for (let i = 3; i <= 20; i++) customers.rows.push(header.map((h) => (h === 'ErpKey' ? String(i) : null)))
  await files.create(ctx, 'savers', file, template)
  await files.read(file)
  const rewritesBefore = files.rewriteCount()
  const savers = 8
  const each = 6
  const save = (saver: number, n: number) =>
    files.update(ctx, 'savers', file, (book) => {
      const sheet = book.actorSheets.get('Customer')!
      const row = sheet.byKey.get(String(10 + saver))!
      return { patches: [{ sheet: 'Customer', row: row.row, col: sheet.fieldByKey.get('NAME')!.column, value: `saver ${saver} change ${n}` }], answer: () => n }
    })
  await Promise.all(Array.from({ length: savers }, async (_, saver) => {
    for (let n = 1; n <= each; n++) {
      await save(saver, n)
      // As over HTTP: the next change arrives after the answer has left, not in the same turn of the event loop.
      await new Promise((resolve) => setImmediate(resolve))
    }
  }))
  // Without waiting for the ones just answered, the groups alternate (one saver, then the seven that queued
  // behind it): about twice as many rewrites.
  const rewrites = files.rewriteCount() - rewritesBefore
  t.ok(rewrites <= each + 1, `${savers * each} changes from ${savers} savers took ${rewrites} rewrites`)
  const fresh = new WorkbookFiles<ErpWorkbook>(interpretWorkbook)
  t.teardown(() => fresh.close())
  const sheet = (await fresh.read(file)).actorSheets.get('Customer')!
  const name = sheet.fieldByKey.get('NAME')!.column
  t.same(Array.from({ length: savers }, (_, s) => sheet.byKey.get(String(10 + s))!.cells[name]), Array.from({ length: savers }, (_, s) => `saver ${s} change ${each}`), 'every saver\'s last change is in the file')
})

t.test('a row after text of several bytes per character is found and rewritten in place, the rows around it kept', async (t) => {
  const { file, files } = workbookFilesIn(t, 'Bytes.xlsx')
  const template = templateWorkbook()
  const customers = template.sheets.find((s) => s.name === 'Customer')!
  const header = customers.rows[0]!.map(String)
  const names = (i: number) => `Kunde ${i} Ålesund ÆØÅ 漢字 😀`
  for (let i = 3; i <= 40; i++) customers.rows.push(header.map((h) => (h === 'ErpKey' ? String(i) : h === 'NAME' ? names(i) : null)))
  await files.create(ctx, 'bytes', file, template)
  await files.read(file)
  const patch = (key: string, value: string) =>
    files.update(ctx, 'bytes', file, (book) => {
      const sheet = book.actorSheets.get('Customer')!
      const row = sheet.byKey.get(key) ?? { row: sheet.nextRow }
      const patches = [{ sheet: 'Customer', row: row.row, col: sheet.fieldByKey.get('NAME')!.column, value }]
      if (!sheet.byKey.has(key)) patches.push({ sheet: 'Customer', row: row.row, col: sheet.erpKeyColumn, value: key })
      return { patches, answer: () => undefined }
    })
  await patch('30', 'Endret 30 ø')
  await patch('41', 'Ny 41 ü')
  const fresh = new WorkbookFiles<ErpWorkbook>(interpretWorkbook)
  t.teardown(() => fresh.close())
  const sheet = (await fresh.read(file)).actorSheets.get('Customer')!
  const name = sheet.fieldByKey.get('NAME')!.column
  const expected = Array.from({ length: 39 }, (_, n) => (n + 3 === 30 ? 'Endret 30 ø' : n + 3 === 41 ? 'Ny 41 ü' : names(n + 3)))
  t.same(Array.from({ length: 39 }, (_, n) => sheet.byKey.get(String(n + 3))?.cells[name]), expected)
  t.equal(XLSX.read(readFileSync(file), { type: 'buffer' }).Sheets.Customer!['!ref'], `A1:${XLSX.utils.encode_col(header.length - 1)}42`, 'the dimension covers the new row')
})
