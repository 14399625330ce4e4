// Every actor operation of the Excel connector over SOAP, against a real workbook on disk: what SuperOffice sends,
// what comes back, and what the workbook holds afterwards.
import { randomUUID } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import XLSX from 'sheetjs-style'
import t from 'tap'
import { actor, actors, body, outcome } from '../../helpers/erp.js'
import { startExcelServer } from '../../helpers/excel.js'
import { call, child, pairs } from '../../helpers/soap.js'

const server = await startExcelServer()
t.teardown(() => server.close())
const url = server.endpoint
const guid = randomUUID()
await call(url, 'WSSaveConnection', body.save(guid, [['Filename', 'ErpClient.xlsx']]))

const header = (sheet: string) => {
  const ws = server.book().Sheets[sheet]!
  return Object.fromEntries(Object.keys(ws).filter((k) => /^[A-Z]+1$/.test(k)).map((k) => [String(ws[k].v), k.slice(0, -1)]))
}
const cellOf = (sheet: string, column: string, erpKey: string) => {
  const ws = server.book().Sheets[sheet]!
  const columns = header(sheet)
  for (let r = 2; ws[`A${r}`]; r++) if (String(ws[`${columns.ErpKey}${r}`].v) === erpKey) return ws[`${columns[column]}${r}`] as XLSX.CellObject | undefined
  throw new Error(`no ${sheet} ${erpKey}`)
}

t.test('metadata: actor types, fields with unique ranks, searchable fields', async (t) => {
  t.same(child(await call(url, 'WSGetSupportedActorTypes', body.base(guid)), 'Items').children.map((c) => c.text), ['Customer', 'Supplier', 'Person', 'Project'])
  const fields = child(await call(url, 'WSGetSupportedActorTypeFields', body.typeFields(guid, 'Customer')), 'FieldMetaDataObjects').children
  const byKey = Object.fromEntries(fields.map((f) => [child(f, 'FieldKey').text, Object.fromEntries(f.children.map((c) => [c.name, c.text]))]))
  t.match(byKey.CustNo, { FieldType: 'Integer', Access: 'ReadOnly' })
  t.match(byKey.NAME, { FieldType: 'Text', Access: 'Mandatory', MaxLength: '200' })
  t.match(byKey.CustGr, { FieldType: 'List', ListName: 'CustomerGroup' })
  t.match(byKey.CreditLimit, { FieldType: 'Double' })
  t.match(byKey.StartDate, { FieldType: 'Datetime' })
  t.match(byKey.Active, { FieldType: 'Checkbox' })
  t.same(fields.map((f) => child(f, 'Rank').text), fields.map((_, i) => String(i + 1)))
  const searchable = child(await call(url, 'WSGetSearchableFields', body.searchable(guid, 'Person')), 'Items').children.map((c) => c.text)
  t.same(searchable, ['PersonNo', 'FIRSTNAME', 'LASTNAME', 'EMAIL', 'PHONE_DIRECT', 'BIRTHDATE'])
  const unknownType = outcome(await call(url, 'WSGetSupportedActorTypeFields', body.typeFields(guid, 'Sale')))
  t.same([unknownType.state, unknownType.code], ['Error', 'INVALID_REQUEST'])
  t.match(unknownType.explanation, /no Sale sheet/)
})

t.test('WSGetActors: existing keys in request order, only the requested fields, encoded by type', async (t) => {
  const got = actors(await call(url, 'WSGetActors', body.get(guid, 'Customer', ['2', '404', '1'], ['NAME', 'CustNo', 'CreditLimit', 'StartDate', 'Active', 'CustGr'])))
  t.same(got.map((a) => a.ErpKey), ['2', '1'])
  t.same(got[0]!.values, { NAME: 'Fjord Café', CustNo: '[I:1002]', CreditLimit: '[F:2500.5]', StartDate: '[DT:06/01/2023 09:30:00.0000000]', Active: '[I:0]', CustGr: '1' })
  t.same(Object.keys(got[1]!.values), ['NAME', 'CustNo', 'CreditLimit', 'StartDate', 'Active', 'CustGr'], 'in the order asked')
  t.match(got[0]!.LastModified, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
  t.same([got[0]!.ParentActorType, got[0]!.ParentErpKey], ['Unknown', ''])
  const person = actors(await call(url, 'WSGetActors', body.get(guid, 'Person', ['1'], ['FIRSTNAME'])))[0]!
  t.same([person.ParentActorType, person.ParentErpKey], ['Customer', '1'])
})

t.test('WSGetActors with unknown field keys: Warning UNKOWN_FIELDKEY naming them, known fields still returned', async (t) => {
  const wrapper = await call(url, 'WSGetActors', body.get(guid, 'Customer', ['1'], ['NAME', 'SHOE_SIZE', 'POSTALCITY']))
  const o = outcome(wrapper)
  t.same([o.state, o.code, child(wrapper, 'IsOk').text], ['Warning', 'UNKOWN_FIELDKEY', 'true'])
  t.match(o.explanation, /"SHOE_SIZE"/)
  t.same(actors(wrapper)[0]!.values, { NAME: 'Nordic Tools AS', POSTALCITY: 'Oslo' })
})

t.test('WSCreateActor: assigns ErpKey, number and LastModified, ignores read-only fields, stores typed cells', async (t) => {
  const text = '  Ærlig & <Sant> AS 😀\r\n\ttabbed  '
  const created = actor(
    await call(url, 'WSCreateActor', body.create(guid, {
      ActorType: 'Customer',
      values: [['NAME', text], ['CustNo', '[I:99999]'], ['CreditLimit', '[F:1234.5]'], ['StartDate', '[DT:12/31/2013 23:59:59.0000000]'], ['Active', '[I:1]'], ['CustGr', '3'], ['POSTALZIP', '0042']],
    })),
  )
  t.equal(created.ErpKey, '3')
  t.same(created.values.CustNo, '[I:1003]', 'the ERP numbers it; the value sent is ignored')
  t.same(created.values.NAME, text, 'text round-trips exactly')
  t.same(created.values.POSTALZIP, '0042', 'leading zeros kept')
  t.same([created.values.CreditLimit, created.values.StartDate, created.values.Active], ['[F:1234.5]', '[DT:12/31/2013 23:59:59.0000000]', '[I:1]'])
  t.ok(Date.parse(created.LastModified) > 0, 'LastModified parses as an ISO date-time')
  t.equal(cellOf('Customer', 'CreditLimit', '3')?.t, 'n')
  t.equal(cellOf('Customer', 'Active', '3')?.t, 'b')
  t.match(cellOf('Customer', 'StartDate', '3')?.z, /yyyy-mm-dd/)
  t.equal(cellOf('Customer', 'NAME', '3')?.v, text, 'the cell holds the text exactly')
  const again = actors(await call(url, 'WSGetActors', body.get(guid, 'Customer', ['3'], ['NAME'])))[0]!
  t.equal(again.values.NAME, text)
})

t.test('WSCreateActor: a person under a company, and a project with a text number', async (t) => {
  const person = actor(await call(url, 'WSCreateActor', body.create(guid, { ActorType: 'Person', ParentActorType: 'Customer', ParentErpKey: '2', values: [['FIRSTNAME', 'Kari'], ['LASTNAME', 'Fjord']] })))
  t.same([person.ParentActorType, person.ParentErpKey, person.values.PersonNo], ['Customer', '2', '[I:3]'])
  const project = actor(await call(url, 'WSCreateActor', body.create(guid, { ActorType: 'Project', values: [['NAME', 'Launch'], ['ENDDATE', '[D:03/01/2027 00:00:00.0000000]']] })))
  t.same([project.ErpKey, project.values.ProjNo, project.values.ENDDATE], ['2', 'PROJ2', '[DT:03/01/2027 00:00:00.0000000]'])
})

t.test('WSCreateActor refusals name the field, and change nothing', async (t) => {
  const before = server.book().Sheets.Customer!['!ref']
  const cases: Array<[Array<[string, string | null]>, RegExp, string]> = [
    [[['POSTALCITY', 'Oslo']], /NAME is mandatory/, 'INVALID_REQUEST'],
    [[['NAME', 'X'], ['CreditLimit', 'lots']], /the Double field CreditLimit cannot take "lots"/, 'INVALID_REQUEST'],
    [[['NAME', 'X'], ['StartDate', '[DT:13/45/2020]']], /the Datetime field StartDate cannot take/, 'INVALID_REQUEST'],
    [[['NAME', 'X'], ['Active', '[I:7]']], /the Checkbox field Active/, 'INVALID_REQUEST'],
    [[['NAME', 'X'], ['CustGr', '42']], /"42" is not a key of the list CustomerGroup/, 'INVALID_REQUEST'],
    [[['NAME', 'x'.repeat(201)]], /longer than 200 characters/, 'INVALID_REQUEST'],
    [[['NAME', 'X'], ['SHOE_SIZE', '44']], /has no field "SHOE_SIZE"/, 'UNKOWN_FIELDKEY'],
  ]
  for (const [values, message, code] of cases) {
    const o = outcome(await call(url, 'WSCreateActor', body.create(guid, { ActorType: 'Customer', values })))
    t.same([o.state, o.code], ['Error', code], message.source)
    t.match(o.explanation, message)
  }
  const orphan = outcome(await call(url, 'WSCreateActor', body.create(guid, { ActorType: 'Person', ParentActorType: 'Customer', ParentErpKey: '777', values: [['LASTNAME', 'Nobody']] })))
  t.match(orphan.explanation, /parent Customer 777 does not exist/)
  t.equal(server.book().Sheets.Customer!['!ref'], before, 'no row was added')
})

t.test('WSSaveActors: only the fields sent change; LastModified grows; all or nothing', async (t) => {
  const before = actors(await call(url, 'WSGetActors', body.get(guid, 'Customer', ['1', '2'], ['NAME', 'POSTALCITY', 'CreditLimit'])))
  const saved = actors(
    await call(url, 'WSSaveActors', body.saveActors(guid, [
      { ActorType: 'Customer', ErpKey: '1', values: [['POSTALCITY', 'Trondheim'], ['CustNo', '[I:5]']] },
      { ActorType: 'Customer', ErpKey: '2', values: [['CreditLimit', '[F:0.1]'], ['POSTALCITY', null]] },
    ])),
  )
  t.same(saved.map((a) => [a.ErpKey, a.values]), [
    ['1', { POSTALCITY: 'Trondheim', CustNo: '[I:1001]' }],
    ['2', { CreditLimit: '[F:0.1]', POSTALCITY: '' }],
  ])
  const after = actors(await call(url, 'WSGetActors', body.get(guid, 'Customer', ['1', '2'], ['NAME', 'POSTALCITY', 'CreditLimit'])))
  t.same(after.map((a) => a.values.NAME), before.map((a) => a.values.NAME), 'fields not sent are untouched')
  for (const [i, a] of after.entries()) t.ok(a.LastModified > before[i]!.LastModified, 'LastModified increases, as text')

  const file = JSON.stringify(server.book().Sheets.Customer)
  const refused = outcome(
    await call(url, 'WSSaveActors', body.saveActors(guid, [
      { ActorType: 'Customer', ErpKey: '1', values: [['POSTALCITY', 'Bodø']] },
      { ActorType: 'Customer', ErpKey: '404', values: [['POSTALCITY', 'Nowhere']] },
    ])),
  )
  t.same([refused.state, refused.code], ['Error', 'INVALID_REQUEST'])
  t.match(refused.explanation, /Customer 404 does not exist, so nothing was saved/)
  const badValue = outcome(
    await call(url, 'WSSaveActors', body.saveActors(guid, [
      { ActorType: 'Customer', ErpKey: '1', values: [['POSTALCITY', 'Bodø']] },
      { ActorType: 'Customer', ErpKey: '2', values: [['Active', 'maybe']] },
    ])),
  )
  t.match(badValue.explanation, /Customer 2 was not saved: the Checkbox field Active cannot take "maybe"/)
  t.equal(JSON.stringify(server.book().Sheets.Customer), file, 'the workbook is exactly as before both refusals')
})

t.test('WSSearchActors and WSSearchActorByParent', async (t) => {
  const found = actors(await call(url, 'WSSearchActors', body.search(guid, 'Customer', 'FJORD', ['NAME'])))
  t.same(found.map((a) => a.ErpKey), ['2'], 'case-insensitive substring')
  t.same(found[0]!.values, { NAME: 'Fjord Café' })
  t.same(actors(await call(url, 'WSSearchActors', body.search(guid, 'Customer', 'nordictools.example', ['NAME']))).map((a) => a.ErpKey), ['1'], 'over every searchable field')
  const children = actors(await call(url, 'WSSearchActorByParent', body.byParent(guid, 'Person', 'kari', 'Customer', '1', ['FIRSTNAME'])))
  t.same(children.map((a) => [a.ErpKey, a.values.FIRSTNAME]), [['1', 'Kari']], 'Kari under customer 2 is not listed')
})

t.test('WSSearchActorsAdvanced: every operator for every field type, AND-combined, special keys', async (t) => {
  // Customers now: 1 Nordic Tools AS (Trondheim, 50000, 2019-01-15, active, group 2),
  // 2 Fjord Café (no city, 0.1, 2023-06-01 09:30, inactive, group 1), 3 Ærlig & <Sant> AS (1234.5, 2013-12-31 23:59:59, active, group 3)
  const search = async (restrictions: Array<[string, string, string[]]>, type = 'Customer') =>
    actors(await call(url, 'WSSearchActorsAdvanced', body.advanced(guid, type, restrictions, ['NAME']))).map((a) => a.ErpKey)
  const cases: Array<[Array<[string, string, string[]]>, string[]]> = [
    [[['NAME', '=', ['fjord café']]], ['2']],
    [[['NAME', 'begins', ['NORDIC']]], ['1']],
    [[['NAME', 'contains', ['&']]], ['3']],
    [[['NAME', 'ends', [' as']]], ['1']],
    [[['NAME', 'notbegins', ['nordic']]], ['2', '3']],
    [[['NAME', 'notcontains', ['a']]], []],
    [[['NAME', 'notends', ['café']]], ['1', '3']],
    [[['NAME', 'isnot', ['Fjord Café']]], ['1', '3']],
    [[['NAME', 'between', ['b', 'g']]], ['2']],
    [[['CustNo', '=', ['[I:1002]']]], ['2']],
    [[['CustNo', '>', ['[I:1001]']]], ['2', '3']],
    [[['CustNo', '<', ['1002']]], ['1']],
    [[['CustNo', '>=', ['[I:1002]']]], ['2', '3']],
    [[['CustNo', '<=', ['[I:1002]']]], ['1', '2']],
    [[['CustNo', '!=', ['[I:1002]']]], ['1', '3']],
    [[['CustNo', 'between', ['[I:1002]', '[I:1003]']]], ['2', '3']],
    [[['CreditLimit', '>', ['[F:1000]']]], ['1', '3']],
    [[['CreditLimit', 'between', ['[F:0]', '[F:2:1234.5]']]], ['2', '3']],
    [[['CreditLimit', '=', ['[F:0.1]']]], ['2']],
    [[['Active', '=', ['[I:1]']]], ['1', '3']],
    [[['Active', '=', ['[I:0]']]], ['2']],
    [[['CustGr', 'oneof', ['1', '3']]], ['2', '3']],
    [[['CustGr', 'notoneof', ['1', '3']]], ['1']],
    [[['StartDate', '=', ['[DT:06/01/2023 09:30:00.0000000]']]], ['2']],
    [[['StartDate', 'before', ['[DT:01/01/2019 00:00:00.0000000]']]], ['3']],
    [[['StartDate', 'after', ['2019-01-15T00:00:00']]], ['2']],
    [[['StartDate', 'beforeOrEqual', ['[D:01/15/2019 00:00:00.0000000]']]], ['1', '3']],
    [[['StartDate', 'afterOrEqual', ['[DT:01/15/2019 00:00:00.0000000]']]], ['1', '2']],
    [[['StartDate', 'between', ['[DT:01/01/2013 00:00:00.0000000]', '[DT:12/31/2019 00:00:00.0000000]']]], ['1', '3']],
    [[['Active', '=', ['[I:1]']], ['CreditLimit', '<', ['[F:10000]']]], ['3']],
  ]
  for (const [restrictions, want] of cases) t.same(await search(restrictions), want, JSON.stringify(restrictions))
  t.same(await search([['ParentErpKey', '=', ['2']]], 'Person'), ['2', '3'])
  t.same(await search([['ParentActorType', '=', ['Customer']], ['LASTNAME', 'begins', ['fj']]], 'Person'), ['3'])
  const wrong = outcome(await call(url, 'WSSearchActorsAdvanced', body.advanced(guid, 'Customer', [['CustGr', 'begins', ['1']]], ['NAME'])))
  t.same([wrong.state, wrong.code], ['Error', 'INVALID_REQUEST'])
  t.match(wrong.explanation, /oneof, notoneof/)
  const unknown = outcome(await call(url, 'WSSearchActorsAdvanced', body.advanced(guid, 'Customer', [['SHOE_SIZE', '=', ['1']]], ['NAME'])))
  t.equal(unknown.code, 'UNKOWN_FIELDKEY')
})

t.test('WSGetActorsByTimestamp accepts what it returned, ISO and [DT:]', async (t) => {
  const all = actors(await call(url, 'WSGetActors', body.get(guid, 'Customer', ['1', '2', '3'], [])))
  const latest = all.map((a) => a.LastModified).sort().at(-1)!
  const since = async (value: string) => actors(await call(url, 'WSGetActorsByTimestamp', body.byTimestamp(guid, value, 'Customer', ['NAME']))).map((a) => a.ErpKey).sort()
  t.same(await since(latest), all.filter((a) => a.LastModified === latest).map((a) => a.ErpKey).sort(), 'on or after a returned LastModified')
  t.same(await since('2000-01-01T00:00:00'), ['1', '2', '3'])
  t.same(await since('[DT:01/01/2000 00:00:00.0000000]'), ['1', '2', '3'])
  t.same(await since('2999-01-01T00:00:00Z'), [], 'nothing from the future')
  t.same(await since(''), ['1', '2', '3'], 'empty means everything')
  const bad = outcome(await call(url, 'WSGetActorsByTimestamp', body.byTimestamp(guid, 'yesterday', 'Customer', ['NAME'])))
  t.same([bad.state, bad.code], ['Error', 'INVALID_REQUEST'])
})

t.test('WSGetList and WSGetListItems from the list sheets', async (t) => {
  t.same(pairs(child(await call(url, 'WSGetList', body.list(guid, 'CustomerGroup')), 'ListItems')), [['1', 'Retail'], ['2', 'Wholesale'], ['3', 'Partner']])
  const items = await call(url, 'WSGetListItems', body.listItems(guid, 'ProjectType', ['2', '9']))
  t.same(pairs(child(items, 'ListItems')), [['2', 'Customer project']])
  t.same([outcome(items).state, outcome(items).code], ['Warning', 'UNKOWN_LISTITEM_ID'])
  t.match(outcome(await call(url, 'WSGetList', body.list(guid, 'Colours'))).explanation, /no list sheet named "Colours"/)
})

t.test("a person's edit to the workbook is seen on the next call", async (t) => {
  const file = path.join(server.workbooks, 'ErpClient.xlsx')
  const book = server.book()
  const ws = book.Sheets.Customer!
  const columns = header('Customer')
  ws[`${columns.NAME}2`] = { t: 's', v: 'Nordic Tools ASA (edited in Excel)' }
  const bytes = XLSX.write(book, { type: 'buffer', bookType: 'xlsx' }) as Buffer
  await new Promise((resolve) => setTimeout(resolve, 20))
  writeFileSync(file, bytes)
  const got = actors(await call(url, 'WSGetActors', body.get(guid, 'Customer', ['1'], ['NAME'])))
  t.equal(got[0]!.values.NAME, 'Nordic Tools ASA (edited in Excel)')
})

t.test('a read-only connection refuses writes', async (t) => {
  const readOnly = randomUUID()
  await call(url, 'WSSaveConnection', body.save(readOnly, [['Filename', 'ErpClient.xlsx'], ['WriteMode', 'ReadOnly']]))
  const o = outcome(await call(url, 'WSCreateActor', body.create(readOnly, { ActorType: 'Customer', values: [['NAME', 'X']] })))
  t.same(o.state, 'Error')
  t.match(o.explanation, /read only/)
  t.equal(actors(await call(url, 'WSGetActors', body.get(readOnly, 'Customer', ['1'], ['NAME']))).length, 1, 'reads still work')
})
