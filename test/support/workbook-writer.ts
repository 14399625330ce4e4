// A process that rewrites one cell of a workbook again and again, printing each value once it is on disk.
// The crash test kills it with SIGKILL at a random moment. Usage: tsx workbook-writer.ts FILE
import { interpretWorkbook, type ErpWorkbook } from '../../src/connectors/excel/workbook.js'
import { WorkbookFiles } from '../../src/connectors/excel/workbook-files.js'

const file = process.argv[2]!
const files = new WorkbookFiles<ErpWorkbook>((raw) => interpretWorkbook(raw))
const ctx = { log: console, exclusive: <T>(_key: string, work: () => Promise<T>) => work() }
for (let n = 1; ; n++) {
  await files.update(ctx, 'crash', file, (book) => {
    const sheet = book.actorSheets.get('Customer')!
    const name = sheet.fieldByKey.get('NAME')!
    // A long value, so that each write takes a while and a kill is likely to land inside one.
    return { patches: [{ sheet: 'Customer', row: sheet.rows[0]!.row, col: name.column, value: `v${n} ${'x'.repeat(20_000)}` }], answer: () => n }
  })
  process.stdout.write(`${n}\n`)
}
