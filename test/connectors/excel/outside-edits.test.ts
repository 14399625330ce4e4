// A person's save is never lost: whether it lands while the connector parses the previous change, or while the
// connector writes, the file that ends up on disk holds it. Saves are made as Excel makes them (a new file renamed
// into place) at many offsets into the connector's work, measured from the parse time of the same workbook.
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import XLSX from 'sheetjs-style'
import t, { type Test } from 'tap'
import type { RawWorkbook } from '../../../src/connectors/excel/cells.js'
import { templateWorkbook } from '../../../src/connectors/excel/template.js'
import type { ErpWorkbook } from '../../../src/connectors/excel/workbook.js'
import { WorkbookFiles } from '../../../src/connectors/excel/workbook-files.js'
import { unlockedContext, workbookFilesIn } from '../../helpers/excel.js'

const ROWS = 1500
const TRIALS = 8
const ctx = unlockedContext

function largeTemplate(): RawWorkbook {
  const raw = templateWorkbook()
  const customers = raw.sheets.find((s) => s.name === 'Customer')!
  const header = customers.rows[0]!
  const sample = customers.rows[1]!
  for (let i = 0; i < ROWS; i++) {
    customers.rows.push(header.map((key, c) => (key === 'ErpKey' ? `K${i}` : key === 'NAME' ? `Customer ${i}` : sample[c]!)))
  }
  return raw
}

/** The person's edit: the last customer's NAME set to `marker`, saved as a new file renamed into place. */
function preparePersonSave(file: string, marker: string): () => void {
  const book = XLSX.read(readFileSync(file), { type: 'buffer', cellStyles: true, cellNF: true })
  const sheet = book.Sheets.Customer!
  const range = XLSX.utils.decode_range(sheet['!ref']!)
  const header = Array.from({ length: range.e.c + 1 }, (_, c) => String(sheet[XLSX.utils.encode_cell({ r: 0, c })]?.v ?? ''))
  sheet[XLSX.utils.encode_cell({ r: range.e.r, c: header.indexOf('NAME') })] = { t: 's', v: marker }
  const staged = `${file}.person-${marker}`
  writeFileSync(staged, XLSX.write(book, { type: 'buffer', bookType: 'xlsx', compression: true }) as Buffer)
  return () => renameSync(staged, file)
}

function cellsOnDisk(file: string): { lastName: string; firstCity: string } {
  const book = XLSX.read(readFileSync(file), { type: 'buffer' })
  const rows = XLSX.utils.sheet_to_json<Record<string, unknown>>(book.Sheets.Customer!)
  return { lastName: String(rows[rows.length - 1]!.NAME), firstCity: String(rows[0]!.POSTALCITY ?? '') }
}

async function setup(t: Test) {
  const { file, files } = workbookFilesIn(t, 'Outside.xlsx')
  await files.create(ctx, 'outside', file, largeTemplate())
  // The parse time of this workbook, from a file the connector has not seen.
  preparePersonSave(file, 'warm-up')()
  const started = performance.now()
  await files.read(file)
  return { file, files, parseMs: performance.now() - started }
}

const writeCity = (files: WorkbookFiles<ErpWorkbook>, file: string, city: string) =>
  files.update(ctx, 'outside', file, (book) => {
    const sheet = book.actorSheets.get('Customer')!
    return { patches: [{ sheet: 'Customer', row: sheet.rows[0]!.row, col: sheet.fieldByKey.get('POSTALCITY')!.column, value: city }], answer: () => city }
  })

t.test('a save that lands while the previous change is parsed is not taken for it, and a later write keeps it', async (t) => {
  const { file, files, parseMs } = await setup(t)
  t.comment(`parse time of a ${ROWS}-row workbook: ${parseMs.toFixed(0)} ms`)
  for (let trial = 0; trial < TRIALS; trial++) {
    const first = preparePersonSave(file, `first-${trial}`)
    const second = preparePersonSave(file, `second-${trial}`)
    first()
    const offset = (parseMs * (0.1 + (0.8 * trial) / (TRIALS - 1))) | 0
    const reading = files.read(file)
    await new Promise((resolve) => setTimeout(resolve, offset))
    second()
    await reading
    await writeCity(files, file, `city-${trial}`)
    const disk = cellsOnDisk(file)
    t.equal(disk.lastName, `second-${trial}`, `trial ${trial} (second save ${offset} ms into the parse): the person's latest save is kept`)
    t.equal(disk.firstCity, `city-${trial}`, `trial ${trial}: the connector's write is there too`)
  }
})

t.test('a save that lands while the connector writes is not overwritten', async (t) => {
  const { file, files, parseMs } = await setup(t)
  let both = 0
  for (let trial = 0; trial < TRIALS; trial++) {
    await files.read(file)
    const save = preparePersonSave(file, `during-${trial}`)
    // A write serialises and parses about as long as a read parses; spread the save over that and a bit after.
    const offset = (parseMs * ((1.5 * trial) / (TRIALS - 1))) | 0
    const writing = writeCity(files, file, `city-${trial}`)
    await new Promise((resolve) => setTimeout(resolve, offset))
    save()
    await writing
    const disk = cellsOnDisk(file)
    t.equal(disk.lastName, `during-${trial}`, `trial ${trial} (save ${offset} ms into the write): the person's save is on disk`)
    if (disk.firstCity === `city-${trial}`) both++
  }
  t.comment(`${both} of ${TRIALS} trials also kept the connector's write (the others: the person saved over it after it was done)`)
})
