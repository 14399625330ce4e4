// The workbook caches are bounded, and one worker call that takes too long does not hold up every workbook: the
// worker is replaced, the call answers a clear error, and the next call works.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'

import path from 'node:path'
import t, { type Test } from 'tap'
import { templateWorkbook } from '../../../src/connectors/excel/template.js'
import { interpretWorkbook, type ErpWorkbook } from '../../../src/connectors/excel/workbook.js'
import { WorkbookFileError, WorkbookFiles } from '../../../src/connectors/excel/workbook-files.js'
import { openZip } from '../../../src/connectors/excel/zip.js'
import { unlockedContext } from '../../helpers/excel.js'

const ctx = unlockedContext

function folder(t: Test): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'erp-limits-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

t.test('the cache keeps at most maxWorkbooks, and forget drops one', async (t) => {
  const dir = folder(t)
  const files = new WorkbookFiles<ErpWorkbook>((raw) => interpretWorkbook(raw), { maxWorkbooks: 3 })
  t.teardown(() => files.close())
  const names = ['a', 'b', 'c', 'd', 'e'].map((n) => path.join(dir, `${n}.xlsx`))
  for (const name of names) await files.create(ctx, name, name, templateWorkbook())
  t.equal(files.cacheSize().workbooks, 3, 'five workbooks created, three kept')
  const size = readFileSync(names[0]!).length
  t.ok(files.cacheSize().bytes >= 3 * size * 0.9 && files.cacheSize().bytes <= 3 * size * 1.1, 'bytes counted as the files\' sizes')
  await files.forget(names[4]!)
  t.equal(files.cacheSize().workbooks, 2, 'forget drops one')
  await files.forget(names[4]!)
  t.equal(files.cacheSize().workbooks, 2, 'forgetting twice is harmless')
})

t.test('the cache keeps at most maxBytes of workbooks', async (t) => {
  const dir = folder(t)
  const probe = path.join(dir, 'probe.xlsx')
  const sizer = new WorkbookFiles<ErpWorkbook>((raw) => interpretWorkbook(raw))
  await sizer.create(ctx, 'probe', probe, templateWorkbook())
  await sizer.close()
  const size = readFileSync(probe).length
  const files = new WorkbookFiles<ErpWorkbook>((raw) => interpretWorkbook(raw), { maxBytes: Math.floor(size * 2.5) })
  t.teardown(() => files.close())
  for (const n of ['a', 'b', 'c', 'd']) await files.create(ctx, n, path.join(dir, `${n}.xlsx`), templateWorkbook())
  t.equal(files.cacheSize().workbooks, 2, `room for two workbooks of ${size} bytes in ${Math.floor(size * 2.5)}`)
  t.ok(files.cacheSize().bytes <= size * 2.5, 'within the byte bound')
})

/** A workbook whose Customer sheet has `rows` rows: written as XML into the template's package, quick to make. */
function largeWorkbook(file: string, template: string, rows: number): void {
  const zip = openZip(readFileSync(template))
  const cells = (r: number) => `<row r="${r}"><c r="A${r}" t="inlineStr"><is><t>K${r}</t></is></c><c r="B${r}" t="inlineStr"><is><t>2024-01-01T00:00:00.000Z</t></is></c><c r="C${r}" t="inlineStr"><is><t>Customer number ${r}</t></is></c></row>`
  const body = Array.from({ length: rows }, (_, i) => cells(i + 2)).join('')
  zip.file(
    'xl/worksheets/sheet1.xml',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:C${rows + 1}"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>ErpKey</t></is></c><c r="B1" t="inlineStr"><is><t>LastModified</t></is></c><c r="C1" t="inlineStr"><is><t>NAME</t></is></c></row>${body}</sheetData></worksheet>`,
  )
  writeFileSync(file, zip.generate({ type: 'nodebuffer', compression: 'DEFLATE' }))
}

t.test('a call over the deadline answers a clear error, the worker is replaced, and the next call works', async (t) => {
  const dir = folder(t)
  const small = path.join(dir, 'small.xlsx')
  const large = path.join(dir, 'large.xlsx')
  const measure = new WorkbookFiles<ErpWorkbook>((raw) => interpretWorkbook(raw))
  await measure.create(ctx, 'small', small, templateWorkbook())
  largeWorkbook(large, small, 60_000)
  let started = performance.now()
  const book = await measure.read(large)
  const largeMs = performance.now() - started
  t.equal(book.actorSheets.get('Customer')?.rows.length, 60_000, 'the large workbook reads in full without a deadline')
  await measure.close()

  // A deadline a quarter of the large read: the small workbook is far within it, the large one far over it.
  const files = new WorkbookFiles<ErpWorkbook>((raw) => interpretWorkbook(raw), { callTimeoutMs: Math.round(largeMs / 4) })
  t.teardown(() => files.close())
  started = performance.now()
  await files.read(small)
  t.comment(`large read ${largeMs.toFixed(0)} ms; deadline ${Math.round(largeMs / 4)} ms; small read with a new worker ${(performance.now() - started).toFixed(0)} ms`)
  const failed = await files.read(large).then(
    () => undefined,
    (error: unknown) => error,
  )
  t.type(failed, WorkbookFileError, 'the large read fails')
  t.equal((failed as WorkbookFileError).code, 'WORKBOOK_BUSY', 'with a retryable code')
  t.match((failed as WorkbookFileError).message, /could not be read or written within \d+ s/, 'saying what happened')
  writeFileSync(small, readFileSync(small)) // a new version: the next read must parse it in the new worker
  const again = await files.read(small)
  t.ok(again.actorSheets.get('Customer'), 'the next call is answered by a new worker')
})

t.test('a FIFO where a workbook should be is refused at once, and does not hold up the worker', async (t) => {
  const dir = folder(t)
  const fifo = path.join(dir, 'pipe.xlsx')
  execFileSync('mkfifo', [fifo])
  const small = path.join(dir, 'small.xlsx')
  const files = new WorkbookFiles<ErpWorkbook>((raw) => interpretWorkbook(raw))
  t.teardown(() => files.close())
  await files.create(ctx, 'small', small, templateWorkbook())
  const failed = await files.read(fifo).then(
    () => undefined,
    (error: unknown) => error as WorkbookFileError,
  )
  t.equal(failed?.reason, 'NOT_A_WORKBOOK', 'refused as not a workbook')
  t.match(failed?.message, /pipe\.xlsx is not a regular file/)
  writeFileSync(small, readFileSync(small))
  t.ok((await files.read(small)).actorSheets.get('Customer'), 'the next read is answered')
})

t.test('the deadline counts one call\'s own work, not the time it waited behind others', async (t) => {
  const dir = folder(t)
  const small = path.join(dir, 'small.xlsx')
  const measure = new WorkbookFiles<ErpWorkbook>((raw) => interpretWorkbook(raw))
  await measure.create(ctx, 'small', small, templateWorkbook())
  const large = ['a', 'b', 'c', 'd'].map((n) => path.join(dir, `${n}.xlsx`))
  for (const file of large) largeWorkbook(file, small, 15_000)
  const started = performance.now()
  await measure.read(large[0]!)
  const oneMs = performance.now() - started
  await measure.close()
  // Four reads queued at once take about four times one read; each alone is far within twice one read.
  const files = new WorkbookFiles<ErpWorkbook>((raw) => interpretWorkbook(raw), { callTimeoutMs: Math.round(oneMs * 2) })
  t.teardown(() => files.close())
  const results = await Promise.allSettled(large.map((file) => files.read(file)))
  t.same(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'], `four queued reads of ${oneMs.toFixed(0)} ms each, deadline ${Math.round(oneMs * 2)} ms: none is cut off`)
})

t.test('a missing workbook is never restored from the side file of another workbook whose name starts like it', async (t) => {
  const dir = folder(t)
  const files = new WorkbookFiles<ErpWorkbook>((raw) => interpretWorkbook(raw))
  t.teardown(() => files.close())
  const other = path.join(dir, 'Shop.xlsx.2025.xlsx')
  await files.create(ctx, 'other', other, templateWorkbook())
  // What a writer of Shop.xlsx.2025.xlsx that died mid-swap leaves: its workbook moved aside.
  const dead = spawnSync(process.execPath, ['-e', '']).pid!
  const side = path.join(dir, `.Shop.xlsx.2025.xlsx.${hostname().replace(/[^A-Za-z0-9-]/g, '_')}.${dead}.deadbeef.old`)
  renameSync(other, side)
  const failed = await files.read(path.join(dir, 'Shop.xlsx')).then(
    () => undefined,
    (error: unknown) => error as WorkbookFileError,
  )
  t.equal(failed?.reason, 'NOT_FOUND', 'Shop.xlsx does not exist')
  t.same(readdirSync(dir).filter((f) => !f.startsWith('.')), [], 'nothing was put at Shop.xlsx')
  await files.sweep(dir)
  t.same(readdirSync(dir), ['Shop.xlsx.2025.xlsx'], 'the sweep puts the other workbook back at its own name')
})
