// Setting up an Excel connection as SuperOffice Admin does: configuration fields, their list, testing and saving
// a configuration, and the template workbook a new connection gets.
import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import XLSX from 'sheetjs-style'
import t from 'tap'
import { openZip } from '../../../src/connectors/excel/zip.js'
import { body, outcome } from '../../helpers/erp.js'
import { startExcelServer } from '../../helpers/excel.js'
import { call, child, pairs } from '../../helpers/soap.js'

const server = await startExcelServer()
t.teardown(() => server.close())
const url = server.endpoint

t.test('WSGetConfigData: a mandatory Filename and a WriteMode list, unique ranks', async (t) => {
  const fields = child(await call(url, 'WSGetConfigData', body.configData()), 'FieldMetaDataObjects').children
  const rows = fields.map((f) => Object.fromEntries(f.children.map((c) => [c.name, c.text])))
  t.match(rows[0], { FieldKey: 'Filename', FieldType: 'Text', Access: 'Mandatory', DisplayName: 'US:"File name";NO:"Filnavn"', DefaultValue: 'ErpClient.xlsx' })
  t.match(rows[1], { FieldKey: 'WriteMode', FieldType: 'List', ListName: 'WriteMode', DefaultValue: 'ReadWrite' })
  t.equal(new Set(rows.map((r) => r.Rank)).size, rows.length, 'unique ranks')
  const list = await call(url, 'WSGetList', body.list('00000000-0000-0000-0000-000000000000', 'WriteMode'))
  t.same(pairs(child(list, 'ListItems')).map(([k]) => k), ['ReadWrite', 'ReadOnly'], 'the configuration list is served for the all-zero GUID')
  const items = await call(url, 'WSGetListItems', body.listItems('00000000-0000-0000-0000-000000000000', 'WriteMode', ['ReadOnly']))
  t.same(pairs(child(items, 'ListItems')).map(([k]) => k), ['ReadOnly'])
})

mkdirSync(path.join(server.workbooks, 'sub'))
writeFileSync(path.join(server.workbooks, 'broken.xlsx'), 'this is not a zip file')
const outside = mkdtempSync(path.join(tmpdir(), 'erp-outside-'))
symlinkSync(outside, path.join(server.workbooks, 'escape'))

const refusals: Array<[string | null, RegExp]> = [
  [null, /^Filename is missing\.$/],
  ['   ', /^Filename is missing\.$/],
  ['/etc/passwd.xlsx', /is absolute: give a name relative to the workbooks folder/],
  ['C:/data/x.xlsx', /is absolute/],
  ['../x.xlsx', /leads out of the workbooks folder with "\.\."/],
  ['sub/../../x.xlsx', /leads out of the workbooks folder/],
  ['ErpClient.xlsm', /must end in \.xlsx/],
  ['ErpClient', /must end in \.xlsx/],
  ['sub\\x.xlsx', /separate folders with "\/"/],
  ['escape/x.xlsx', /leads outside the workbooks folder through a symbolic link/],
]

t.test('WSTestConfigData refuses names that break a rule, naming the rule', async (t) => {
  for (const [name, message] of refusals) {
    const config: Array<[string, string | null]> = name === null ? [] : [['Filename', name]]
    const o = outcome(await call(url, 'WSTestConfigData', body.testConfig(config)))
    t.equal(o.state, 'Error', String(name))
    t.match(o.explanation, message, String(name))
  }
})

t.test('WSTestConfigData on files: absent, not a workbook, a folder, a good one; it never writes', async (t) => {
  const absent = outcome(await call(url, 'WSTestConfigData', body.testConfig([['Filename', 'new/ErpClient.xlsx']])))
  t.same([absent.state, absent.code], ['OkWithInfo', ''])
  t.match(absent.explanation, /does not exist yet; it will be created from the template when the connection is saved/)
  t.notOk(existsSync(path.join(server.workbooks, 'new')), 'nothing written')
  const broken = outcome(await call(url, 'WSTestConfigData', body.testConfig([['Filename', 'broken.xlsx']])))
  t.equal(broken.state, 'Error')
  t.match(broken.explanation, /broken\.xlsx exists but is not an Excel workbook/)
  mkdirSync(path.join(server.workbooks, 'folder.xlsx'))
  const folder = outcome(await call(url, 'WSTestConfigData', body.testConfig([['Filename', 'folder.xlsx']])))
  t.equal(folder.state, 'Error')
  t.match(folder.explanation, /folder\.xlsx/)
})

t.test('WSSaveConnection: refuses a bad name without storing; creates the workbook from the template', async (t) => {
  const refused = randomUUID()
  const missing = outcome(await call(url, 'WSSaveConnection', body.save(refused, [['WriteMode', 'ReadWrite']])))
  t.same([missing.state, missing.explanation], ['Error', 'Filename is missing.'])
  t.equal(outcome(await call(url, 'WSTestConnection', body.base(refused))).code, 'UNKNOWN_CONNECTION_ID', 'not stored')

  const guid = randomUUID()
  const created = outcome(await call(url, 'WSSaveConnection', body.save(guid, [['Filename', 'sub/Acme.xlsx']])))
  t.same([created.state, created.explanation], ['OkWithInfo', 'Created sub/Acme.xlsx from the template.'])
  t.equal(outcome(await call(url, 'WSTestConnection', body.base(guid))).state, 'Ok')
  const again = outcome(await call(url, 'WSSaveConnection', body.save(guid, [['Filename', 'sub/Acme.xlsx']])))
  t.equal(again.state, 'Ok', 'saving again keeps the existing workbook')
  const brokenSave = outcome(await call(url, 'WSSaveConnection', body.save(randomUUID(), [['Filename', 'broken.xlsx']])))
  t.equal(brokenSave.state, 'Error')
  t.match(brokenSave.explanation, /not an Excel workbook/)
})

t.test('the template: actor sheets, list sheets, field metadata, typed cells, styled and frozen header', async (t) => {
  const book = server.book('sub/Acme.xlsx')
  t.same(book.SheetNames, ['Customer', 'Supplier', 'Person', 'Project', 'Fields', 'CustomerGroup', 'SupplierGroup', 'ProjectType'])
  const customer = book.Sheets.Customer!
  t.same(['A1', 'B1', 'C1', 'D1'].map((c) => customer[c]?.v), ['ErpKey', 'LastModified', 'CustNo', 'NAME'])
  const header = Object.fromEntries(Object.keys(customer).filter((k) => /^[A-Z]+1$/.test(k)).map((k) => [customer[k].v, k.replace('1', '')]))
  t.equal(customer[`${header.CreditLimit}2`]?.t, 'n', 'Double as a number cell')
  t.equal(customer[`${header.Active}2`]?.t, 'b', 'Checkbox as a boolean cell')
  t.equal(customer[`${header.StartDate}2`]?.t, 'n')
  t.match(customer[`${header.StartDate}2`]?.z, /yyyy-mm-dd/, 'Datetime as a date cell')
  t.equal(customer[`${header.CustNo}2`]?.t, 'n', 'Integer as a number cell')
  t.match(JSON.stringify(customer.A1?.s), /1F4E78/, 'the header is styled')
  t.ok(Array.isArray(customer['!cols']) && customer['!cols'].length >= 10, 'column widths are set')
  const zip = openZip(readFileSync(path.join(server.workbooks, 'sub/Acme.xlsx')))
  for (let i = 1; i <= book.SheetNames.length; i++) {
    t.match(zip.file(`xl/worksheets/sheet${i}.xml`)!.asText(), /<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"\/>/, `sheet ${i}: frozen header row`)
  }
  const fields = book.Sheets.Fields!
  t.same(['A1', 'B1', 'C1', 'D1', 'E1', 'F1'].map((c) => fields[c]?.v), ['Sheet', 'FieldKey', 'DisplayName', 'Type', 'Access', 'ListName'])
})

t.test("a person's mistakes in the Fields sheet: the workbook still works, Test connection warns and names them", async (t) => {
  const guid = randomUUID()
  await call(url, 'WSSaveConnection', body.save(guid, [['Filename', 'edited.xlsx']]))
  const file = path.join(server.workbooks, 'edited.xlsx')
  const book = server.book('edited.xlsx')
  const fields = book.Sheets.Fields!
  // Row 4 describes Customer.POSTALAD1 (after CustNo and NAME); misspell its Type and Access.
  fields.D4 = { t: 's', v: 'Txet' }
  fields.E4 = { t: 's', v: 'Sometimes' }
  book.Sheets.CustomerGroup = XLSX.utils.aoa_to_sheet([['Nope', 'Columns']])
  writeFileSync(file, XLSX.write(book, { type: 'buffer', bookType: 'xlsx' }) as Buffer)
  const tested = outcome(await call(url, 'WSTestConnection', body.base(guid)))
  t.equal(tested.state, 'Warning')
  t.match(tested.explanation, /Type "Txet" is not one of Checkbox, Text/)
  t.match(tested.explanation, /Access "Sometimes" is not one of Normal, Mandatory, ReadOnly/)
  t.match(tested.explanation, /List of "CustomerGroup", but there is no list sheet of that name/)
  const fieldsAnswer = child(await call(url, 'WSGetSupportedActorTypeFields', body.typeFields(guid, 'Customer')), 'FieldMetaDataObjects')
  const postal = fieldsAnswer.children.find((f) => child(f, 'FieldKey').text === 'POSTALAD1')!
  t.same([child(postal, 'FieldType').text, child(postal, 'Access').text], ['Text', 'Normal'], 'the field falls back to Text and Normal')
})
