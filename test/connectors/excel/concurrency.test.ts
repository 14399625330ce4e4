// The workbook is the system of record: concurrent writers lose nothing (within a process and across two server
// processes sharing the database), and a writer killed at any moment leaves the old or the new workbook.
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import XLSX from 'sheetjs-style'
import t from 'tap'
import { migrateToLatest, openDatabase } from '../../../src/connections/database.js'
import { templateWorkbook } from '../../../src/connectors/excel/template.js'
import { interpretWorkbook, type ErpWorkbook } from '../../../src/connectors/excel/workbook.js'
import { WorkbookFiles } from '../../../src/connectors/excel/workbook-files.js'
import { PROJECT_ROOT } from '../../../src/server.js'
import { createTestDatabase } from '../../helpers/database.js'
import { actor, actors, body, outcome } from '../../helpers/erp.js'
import { startExcelServer } from '../../helpers/excel.js'
import { call } from '../../helpers/soap.js'

t.test('100 concurrent creates and saves on one workbook: every change is there', async (t) => {
  const server = await startExcelServer()
  t.teardown(() => server.close())
  const guid = randomUUID()
  await call(server.endpoint, 'WSSaveConnection', body.save(guid, [['Filename', 'ErpClient.xlsx']]))
  const first = await Promise.all(
    Array.from({ length: 50 }, (_, i) => call(server.endpoint, 'WSCreateActor', body.create(guid, { ActorType: 'Customer', values: [['NAME', `first-${i}`]] }))),
  )
  const firstKeys = first.map((w) => actor(w).ErpKey)
  t.equal(new Set(firstKeys).size, 50, '50 distinct ErpKeys')

  const mixed = await Promise.all([
    ...Array.from({ length: 50 }, (_, i) => call(server.endpoint, 'WSCreateActor', body.create(guid, { ActorType: 'Customer', values: [['NAME', `second-${i}`]] }))),
    ...firstKeys.map((key, i) => call(server.endpoint, 'WSSaveActors', body.saveActors(guid, [{ ActorType: 'Customer', ErpKey: key, values: [['POSTALCITY', `city-${i}`]] }]))),
  ])
  t.ok(mixed.every((w) => outcome(w).state === 'Ok'), 'every call succeeded')
  const all = actors(await call(server.endpoint, 'WSGetActorsByTimestamp', body.byTimestamp(guid, '', 'Customer', ['NAME', 'POSTALCITY', 'CustNo'])))
  const names = new Set(all.map((a) => a.values.NAME))
  for (let i = 0; i < 50; i++) {
    t.ok(names.has(`first-${i}`) && names.has(`second-${i}`), `created ${i}`)
    t.equal(all.find((a) => a.values.NAME === `first-${i}`)?.values.POSTALCITY, `city-${i}`, `saved ${i}`)
  }
  t.equal(all.length, 102, 'two template customers and 100 created')
  t.equal(new Set(all.map((a) => a.ErpKey)).size, 102, 'no ErpKey given twice')
  t.equal(new Set(all.map((a) => a.values.CustNo)).size, 102, 'no customer number given twice')
  const stamps = all.map((a) => a.LastModified)
  t.equal(new Set(stamps.filter((s) => all.filter((a) => a.LastModified === s).length > 1)).size <= 1, true, 'LastModified values are distinct per write')
})

t.test('two server processes sharing the database and the workbooks folder do not lose each other\'s writes', async (t) => {
  const shared = await createTestDatabase('postgres')
  const workbooks = mkdtempSync(path.join(tmpdir(), 'erp-shared-'))
  const second = await openDatabase({ databaseUrl: shared.url })
  await migrateToLatest(second.db)
  const a = await startExcelServer({ workbooks, testDatabase: { ...shared, drop: async () => undefined } })
  const b = await startExcelServer({ workbooks, testDatabase: { database: second, url: shared.url, drop: async () => undefined } })
  t.teardown(async () => {
    await a.close()
    await b.close()
    await shared.drop()
    rmSync(workbooks, { recursive: true, force: true })
  })
  const guid = randomUUID()
  await call(a.endpoint, 'WSSaveConnection', body.save(guid, [['Filename', 'Shared.xlsx']]))
  await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      call((i % 2 ? a : b).endpoint, 'WSCreateActor', body.create(guid, { ActorType: 'Customer', values: [['NAME', `from-${i % 2 ? 'a' : 'b'}-${i}`]] })),
    ),
  )
  for (const server of [a, b]) {
    const all = actors(await call(server.endpoint, 'WSGetActorsByTimestamp', body.byTimestamp(guid, '', 'Customer', ['NAME'])))
    t.equal(all.length, 42, 'every create from both servers is in the workbook')
    t.equal(new Set(all.map((x) => x.ErpKey)).size, 42, 'no ErpKey given twice')
  }
})

t.test('a writer killed with SIGKILL at random moments leaves a workbook that opens, with the old or the new value', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'erp-crash-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'Crash.xlsx')
  const files = new WorkbookFiles<ErpWorkbook>((raw) => interpretWorkbook(raw))
  await files.create({ log: console, exclusive: (_k, work) => work() }, 'crash', file, templateWorkbook())
  await files.close()
  const restarted = new WorkbookFiles<ErpWorkbook>((raw) => interpretWorkbook(raw))
  t.teardown(() => restarted.close())
  for (let round = 0; round < 4; round++) {
    // node with the tsx loader, not the tsx launcher: the launcher runs the script in a child that SIGKILL would miss.
    const writer = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'test/support/workbook-writer.ts'), file], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let committed = 0
    const target = 2 + Math.floor(Math.random() * 4)
    await new Promise<void>((resolve) => {
      createInterface({ input: writer.stdout! }).on('line', (line) => {
        committed = Number(line)
        // Kill after a random delay into the next write, rather than right after a commit.
        if (committed === target) setTimeout(() => writer.kill('SIGKILL'), Math.random() * 40)
      })
      writer.on('exit', () => resolve())
    })
    // What a restarting server does first: a writer killed between moving the old file aside and linking the new
    // one left no file at the workbook's name for a moment; the sweep puts the old one back.
    await restarted.sweep(dir)
    const book = XLSX.read(readFileSync(file), { type: 'buffer' })
    const name = String(book.Sheets.Customer!.D2?.v ?? '')
    const value = Number(/^v(\d+) /.exec(name)?.[1])
    t.ok(value === committed || value === committed + 1, `round ${round}: the workbook opens and holds v${value} (last committed v${committed})`)
    t.same(book.SheetNames.slice(0, 4), ['Customer', 'Supplier', 'Person', 'Project'], `round ${round}: every sheet is there`)
  }
  t.same(readdirSync(dir).filter((f) => f !== 'Crash.xlsx'), [], 'no temporary or moved-aside file is left after a restart')
  t.ok((await restarted.read(file)).actorSheets.get('Customer'), 'the workbook opens')
})
