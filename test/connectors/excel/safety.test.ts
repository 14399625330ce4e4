// What an anonymous caller can make the Excel connector do with its files, and what it is told: names as the
// caller gave them (never a server path), file-system errors as messages with a stable code, limits on what a
// connection may create, WriteMode checked, and a workbook cell an answer cannot carry reported, not fatal.
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { copyFileSync, mkdirSync, statfsSync, writeFileSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { WorkbookFiles } from '../../../src/connectors/excel/workbook-files.js'
import { interpretWorkbook, type ErpWorkbook } from '../../../src/connectors/excel/workbook.js'
import { actors, body, outcome } from '../../helpers/erp.js'
import { startExcelServer, unlockedContext } from '../../helpers/excel.js'
import { call, child } from '../../helpers/soap.js'

const server = await startExcelServer({ excel: { maxWorkbooks: 6 } })
t.teardown(() => server.close())
const url = server.endpoint
const serverPaths = [server.workbooks, realpathSync(server.workbooks), tmpdir()]
// Edits written the way the connector writes (the worker, an atomic replace), as a person's edit would leave them.
const files = new WorkbookFiles<ErpWorkbook>((raw) => interpretWorkbook(raw))
t.teardown(() => files.close())
const ctx = unlockedContext

type Outcome = { state: string; code: string; explanation: string; tech: string }
async function attempt(operation: 'WSTestConfigData' | 'WSSaveConnection', config: Array<[string, string]>, guid = randomUUID()): Promise<Outcome> {
  const answer = await call(url, operation, operation === 'WSSaveConnection' ? body.save(guid, config) : body.testConfig(config))
  return { ...outcome(answer), tech: child(answer, 'TechExplanation').text }
}

function noServerPath(t: Test, o: Outcome, label: string): void {
  for (const where of serverPaths) t.notOk(`${o.explanation} ${o.tech}`.includes(where), `${label}: no server path in the answer`)
  t.notMatch(o.explanation, /Exception in ERP Connector|ENAMETOOLONG|ENOTDIR|ELOOP|realpath/, `${label}: no internals`)
}

t.test('a name too long for the file system is refused by the rule, naming the file as given', async (t) => {
  const name = `${'日'.repeat(90)}.xlsx`
  for (const operation of ['WSTestConfigData', 'WSSaveConnection'] as const) {
    const o = await attempt(operation, [['Filename', name]])
    t.same([o.state, o.code], ['Error', 'INVALID_FILENAME'], operation)
    t.match(o.explanation, /has a folder or file name of 95 characters .*; each may have at most 64\./, operation)
    noServerPath(t, o, operation)
  }
  const folder = await attempt('WSSaveConnection', [['Filename', `${'a'.repeat(65)}/x.xlsx`]])
  t.same([folder.state, folder.code], ['Error', 'INVALID_FILENAME'], 'a folder name counts too')
  const fits = await attempt('WSSaveConnection', [['Filename', `${'日'.repeat(59)}.xlsx`]])
  t.equal(fits.state, 'OkWithInfo', 'a 64-character CJK name fits the file system')
})

t.test('a workbook used as a folder, a loop of links: an answer the admin can act on, no server path', async (t) => {
  t.equal((await attempt('WSSaveConnection', [['Filename', 'ErpClient.xlsx']])).state, 'OkWithInfo')
  for (const operation of ['WSTestConfigData', 'WSSaveConnection'] as const) {
    const o = await attempt(operation, [['Filename', 'ErpClient.xlsx/x.xlsx']])
    t.same([o.state, o.code, o.tech], ['Error', 'INVALID_FILENAME', 'ENOTDIR'], operation)
    t.equal(o.explanation, 'Filename "ErpClient.xlsx/x.xlsx" puts the workbook in a folder that is a file on the server: choose another name.')
    noServerPath(t, o, operation)
  }
  symlinkSync('loop.xlsx', path.join(server.workbooks, 'loop.xlsx'))
  const loop = await attempt('WSSaveConnection', [['Filename', 'loop.xlsx']])
  t.same([loop.state, loop.code, loop.tech], ['Error', 'INVALID_FILENAME', 'ELOOP'])
  t.match(loop.explanation, /^Filename "loop\.xlsx" leads through a loop of symbolic links/)
  noServerPath(t, loop, 'ELOOP')
})

t.test('folders: at most three levels below the workbooks folder', async (t) => {
  const deep = await attempt('WSSaveConnection', [['Filename', 'a/b/c/d/x.xlsx']])
  t.same([deep.state, deep.code], ['Error', 'INVALID_FILENAME'])
  t.match(deep.explanation, /goes 4 folders deep; at most 3 folders are allowed/)
  t.same(readdirSync(server.workbooks).filter((n) => n === 'a'), [], 'no folder was made')
  t.equal((await attempt('WSSaveConnection', [['Filename', 'a/b/c/x.xlsx']])).state, 'OkWithInfo', 'three levels are fine')
})

t.test('the file system refuses: permission denied, read-only, full, each with its own answer', async (t) => {
  // Root may write almost anywhere: /sys refuses even root (EACCES), and tmpfs mounts give EROFS and ENOSPC for
  // real. Mounted as folders of one workbooks folder, one server sees all three.
  const mounts = mkdtempSync(path.join(tmpdir(), 'erp-mounts-'))
  t.teardown(() => rmSync(mounts, { recursive: true, force: true }))
  const mount = (name: string, args: string[]): boolean => {
    const folder = path.join(mounts, name)
    mkdirSync(folder)
    try {
      execFileSync('mount', [...args, folder], { stdio: 'ignore' })
      t.teardown(() => execFileSync('umount', [folder]))
      return true
    } catch {
      return false
    }
  }
  const denied = "The server is not allowed to use denied/x.xlsx (permission denied). Ask the server's operator to let the connector read and write its workbooks folder."
  const cases: Array<[string, string[], RegExp | string]> = [
    ['denied', ['--bind', '/sys/fs'], denied],
    ['readonly', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs'], /^The server's workbooks folder is read-only, so readonly\/x\.xlsx cannot be written\./],
    ['full', ['-t', 'tmpfs', '-o', 'size=4k', 'tmpfs'], /^The server's disk is full, so full\/x\.xlsx cannot be written\./],
    // Full only after the workbook is made: a change to it cannot be written.
    ['filling', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs'], /^The server's disk is full, so filling\/x\.xlsx cannot be written\./],
  ]
  const mounted = cases.filter(([name, args]) => mount(name, args))
  if (mounted.length < cases.length) {
    t.comment('cannot mount here: the read-only and disk-full cases are not run, permission denied is tried on /sys')
    const sys = await startExcelServer({ workbooks: '/sys/fs' }).catch(() => undefined)
    if (!sys) return
    const o = outcome(await call(sys.endpoint, 'WSSaveConnection', body.save(randomUUID(), [['Filename', 'denied/x.xlsx']])))
    t.same([o.state, o.code, o.explanation], ['Error', 'FILE_STORAGE_ERROR', denied])
    await sys.close()
    return
  }
  const refusing = await startExcelServer({ workbooks: mounts })
  for (const [name, , message] of mounted) {
    const guid = randomUUID()
    let answer = await call(refusing.endpoint, 'WSSaveConnection', body.save(guid, [['Filename', `${name}/x.xlsx`]]))
    if (name === 'filling') {
      t.equal(outcome(answer).state, 'OkWithInfo', 'the workbook fits')
      const free = statfsSync(path.join(mounts, name))
      writeFileSync(path.join(mounts, name, 'ballast'), Buffer.alloc(Number(free.bavail * free.bsize)))
      answer = await call(refusing.endpoint, 'WSCreateActor', body.create(guid, { ActorType: 'Customer', values: [['NAME', 'No room']] }))
    }
    const o = { ...outcome(answer), tech: child(answer, 'TechExplanation').text }
    t.same([o.state, o.code], ['Error', 'FILE_STORAGE_ERROR'], name)
    t.match(o.explanation, message, name)
    t.notOk(`${o.explanation} ${o.tech}`.includes(mounts), `${name}: no server path`)
  }
  await refusing.close()
})

t.test('WriteMode: its two values in any letter case; anything else is refused with the list', async (t) => {
  for (const mode of ['ReadOnly', 'readonly', 'READWRITE', ' ReadWrite ', '']) {
    t.equal((await attempt('WSTestConfigData', [['Filename', 'ErpClient.xlsx'], ['WriteMode', mode]])).state, 'Ok', `"${mode}"`)
  }
  for (const mode of ['Sometimes', 'read only', 'Read-Write']) {
    for (const operation of ['WSTestConfigData', 'WSSaveConnection'] as const) {
      const guid = randomUUID()
      const o = await attempt(operation, [['Filename', 'ErpClient.xlsx'], ['WriteMode', mode]], guid)
      t.same([o.state, o.code], ['Error', 'INVALID_REQUEST'], `${operation} "${mode}"`)
      t.equal(o.explanation, `WriteMode "${mode}" is not one of ReadWrite, ReadOnly. Choose one of them in SuperOffice Admin.`)
      if (operation === 'WSSaveConnection') t.equal(outcome(await call(url, 'WSTestConnection', body.base(guid))).code, 'UNKNOWN_CONNECTION_ID', 'not stored')
    }
  }
  const guid = randomUUID()
  t.equal((await attempt('WSSaveConnection', [['Filename', 'ErpClient.xlsx'], ['WriteMode', 'readonly']], guid)).state, 'Ok')
  const create = outcome(await call(url, 'WSCreateActor', body.create(guid, { ActorType: 'Customer', values: [['NAME', 'Not allowed']] })))
  t.same([create.state, create.code], ['Error', 'INVALID_REQUEST'], 'lower-case readonly is read only')
  t.match(create.explanation, /read only \(WriteMode\)/)
})

t.test('a cell an answer cannot carry: the sync goes on, and a Warning names sheet, ErpKey and field', async (t) => {
  const guid = randomUUID()
  t.equal((await attempt('WSSaveConnection', [['Filename', 'ErpClient.xlsx']], guid)).state, 'Ok')
  await files.update(ctx, 'cells', path.join(server.workbooks, 'ErpClient.xlsx'), (book) => {
    const sheet = book.actorSheets.get('Customer')!
    const [first, second] = sheet.rows
    const column = (key: string) => sheet.fieldByKey.get(key)!.column
    return {
      patches: [
        { sheet: 'Customer', row: first!.row, col: column('NAME'), value: 'Nordic\u0001Tools' },
        { sheet: 'Customer', row: second!.row, col: column('POSTALCITY'), value: 'Ber\uFFFEgen' },
        { sheet: 'Customer', row: second!.row + 1, col: sheet.erpKeyColumn, value: '3\u0002' },
        { sheet: 'Customer', row: second!.row + 1, col: column('NAME'), value: 'Bad key' },
        { sheet: 'Customer', row: second!.row + 2, col: sheet.erpKeyColumn, value: '4' },
        { sheet: 'Customer', row: second!.row + 2, col: column('NAME'), value: 'Good one' },
      ],
      answer: () => undefined,
    }
  })

  const answer = await call(url, 'WSGetActorsByTimestamp', body.byTimestamp(guid, '', 'Customer', ['NAME', 'POSTALCITY']))
  const o = outcome(answer)
  t.same([o.state, o.code], ['Warning', 'UNSENDABLE_VALUE'])
  t.match(o.explanation, /Customer ErpKey 1, field NAME \(U\+0001\)/)
  t.match(o.explanation, /Customer ErpKey 2, field POSTALCITY \(U\+FFFE\)/)
  t.match(o.explanation, /Customer row 4, whose ErpKey has U\+0002, was left out/)
  const got = actors(answer)
  t.same(got.map((a) => a.ErpKey), ['1', '2', '4'], 'every other actor is sent')
  t.same(got.map((a) => a.values.NAME), ['Nordic\uFFFDTools', 'Fjord Café', 'Good one'], 'the bad character is replaced')
  t.equal(got[1]!.values.POSTALCITY, 'Ber\uFFFDgen')

  const one = await call(url, 'WSGetActors', body.get(guid, 'Customer', ['1'], ['NAME']))
  t.same([outcome(one).state, actors(one)[0]!.values.NAME], ['Warning', 'Nordic\uFFFDTools'], 'WSGetActors too')
  const clean = outcome(await call(url, 'WSGetActors', body.get(guid, 'Customer', ['4'], ['NAME'])))
  t.same([clean.state, clean.code], ['Ok', ''], 'an actor without such cells is answered Ok')
  const found = await call(url, 'WSSearchActors', body.search(guid, 'Customer', 'nordic', ['NAME']))
  t.same([outcome(found).state, actors(found).length], ['Warning', 1], 'searches too')
})

t.test('a column name or list item an answer cannot carry: left out and reported by Test connection', async (t) => {
  const guid = randomUUID()
  t.equal((await attempt('WSSaveConnection', [['Filename', 'columns.xlsx']], guid)).state, 'OkWithInfo')
  await files.update(ctx, 'columns', path.join(server.workbooks, 'columns.xlsx'), (book) => ({
    patches: [
      { sheet: 'Customer', row: 0, col: 40, value: 'Bad\u0001Column' },
      { sheet: 'CustomerGroup', row: 1, col: 1, value: 'Re\u0003tail' },
    ],
    answer: () => book,
  }))
  const tested = outcome(await call(url, 'WSTestConnection', body.base(guid)))
  t.equal(tested.state, 'Warning')
  t.match(tested.explanation, /Sheet Customer has a column named Bad\\u0001Column, with U\+0001, which cannot be sent to SuperOffice; it is not used\./)
  t.match(tested.explanation, /List sheet CustomerGroup, row 2: U\+0003 cannot be sent to SuperOffice; it is sent as U\+FFFD\./)
  const fields = await call(url, 'WSGetSupportedActorTypeFields', body.typeFields(guid, 'Customer'))
  t.equal(outcome(fields).state, 'Ok', 'the field list is sent without the column')
  const list = await call(url, 'WSGetList', body.list(guid, 'CustomerGroup'))
  t.equal(outcome(list).state, 'Ok')
  t.match(child(list, 'ListItems').children[0]!.children.map((c) => c.text), ['1', 'Re\uFFFDtail'])
})

t.test('MAX_WORKBOOKS: no more workbooks are created past the limit; existing ones still open', async (t) => {
  // Earlier tests made some (the limit is 6 on this server); one put there by hand counts too.
  copyFileSync(path.join(server.workbooks, 'ErpClient.xlsx'), path.join(server.workbooks, 'by-hand.xlsx'))
  const existing = readdirSync(server.workbooks, { recursive: true }).filter((n) => String(n).endsWith('.xlsx') && !String(n).includes('loop')).length
  for (let i = existing; i < 6; i++) t.equal((await attempt('WSSaveConnection', [['Filename', `more${i}.xlsx`]])).state, 'OkWithInfo', `workbook ${i + 1}`)
  const guid = randomUUID()
  const refused = await attempt('WSSaveConnection', [['Filename', 'one-too-many.xlsx']], guid)
  t.same([refused.state, refused.code], ['Error', 'FILE_LIMIT_REACHED'])
  t.equal(
    refused.explanation,
    "one-too-many.xlsx was not created: this server holds 6 workbooks, the most it creates (MAX_WORKBOOKS). Use an existing workbook, or ask the server's operator to remove unused ones or raise the limit.",
  )
  t.equal(outcome(await call(url, 'WSTestConnection', body.base(guid))).code, 'UNKNOWN_CONNECTION_ID', 'the connection is not stored')
  const reuse = await attempt('WSSaveConnection', [['Filename', 'ErpClient.xlsx']])
  t.equal(reuse.state, 'Ok', 'a connection to an existing workbook is still saved')
})
