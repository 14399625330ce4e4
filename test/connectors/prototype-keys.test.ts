// Names a caller sends that are also the names of every JavaScript object's inherited members (constructor,
// __proto__, toString...) are names like any other: looked up, they find nothing, and the answer says so.
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { createExcelConnector } from '../../src/connectors/excel/connector.js'
import { createMemoryConnector } from '../../src/connectors/memory.js'
import { actors, body, outcome } from '../helpers/erp.js'
import { startTestServer } from '../helpers/server.js'
import { call } from '../helpers/soap.js'

const workbooks = mkdtempSync(path.join(tmpdir(), 'erp-proto-'))
const server = await startTestServer({ connectors: [createExcelConnector({ workbooksDir: workbooks }), createMemoryConnector()] })
t.teardown(async () => {
  await server.close()
  rmSync(workbooks, { recursive: true, force: true })
})

const NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']
const EMPTY_GUID = '00000000-0000-0000-0000-000000000000'
const excel = server.endpoint
const memory = `${server.endpoint}?ConnectorName=Memory`
const excelGuid = randomUUID()
const memoryGuid = randomUUID()

t.test('one connection to each connector', async (t) => {
  t.equal(outcome(await call(excel, 'WSSaveConnection', body.save(excelGuid, [['Filename', 'ErpClient.xlsx']]))).state, 'OkWithInfo')
  t.equal(outcome(await call(memory, 'WSSaveConnection', body.save(memoryGuid, [['Dataset', 'demo']]))).state, 'Ok')
})

t.test('WSGetList and WSGetListItems: configuration lists (all-zero GUID) and a connection\'s lists', async (t) => {
  const cases: Array<[string, string, string, RegExp]> = [
    ['Excel, configuration', excel, EMPTY_GUID, /^There is no configuration list named "NAME"\. Lists: WriteMode\.$/],
    ['Excel, workbook', excel, excelGuid, /^ErpClient\.xlsx has no list sheet named "NAME"/],
    ['Memory, configuration', memory, EMPTY_GUID, /^There is no list named "NAME"\. Lists: CustomerGroup\.$/],
    ['Memory, connection', memory, memoryGuid, /^There is no list named "NAME"\. Lists: CustomerGroup\.$/],
  ]
  for (const [label, url, guid, message] of cases) {
    for (const name of NAMES) {
      const expected = new RegExp(message.source.replace('NAME', name))
      for (const answer of [await call(url, 'WSGetList', body.list(guid, name)), await call(url, 'WSGetListItems', body.listItems(guid, name, ['1']))]) {
        const o = outcome(answer)
        t.same([o.state, o.code], ['Error', 'INVALID_REQUEST'], `${label}: ${name}`)
        t.match(o.explanation, expected, `${label}: ${name}`)
      }
    }
  }
})

t.test('actor types, field keys, ErpKeys and connector names', async (t) => {
  for (const name of NAMES) {
    for (const url of [excel, memory]) {
      const guid = url === excel ? excelGuid : memoryGuid
      const type = outcome(await call(url, 'WSGetSupportedActorTypeFields', body.typeFields(guid, name)))
      t.same([type.state, type.code], ['Error', 'INVALID_REQUEST'], `ActorType ${name}`)
      const known = url === excel ? '1' : '17'
      const got = await call(url, 'WSGetActors', body.get(guid, 'Customer', [name, known], [name]))
      t.same(actors(got).map((a) => a.ErpKey), [known], `ErpKey ${name} finds nothing, key ${known} is found`)
      if (url === excel) t.same([outcome(got).state, outcome(got).code], ['Warning', 'UNKOWN_FIELDKEY'], `FieldKey ${name}`)
      const advanced = outcome(await call(url, 'WSSearchActorsAdvanced', body.advanced(guid, 'Customer', [[name, '=', ['x']]], ['NAME'])))
      t.not(advanced.code, 'EX', `restriction on ${name}`)
    }
    const connector = outcome(await call(`${server.endpoint}?ConnectorName=${name}`, 'WSGetConfigData', body.configData()))
    t.same([connector.state, connector.explanation], ['Error', `Connector plugin ${name} not found; Excel, Memory have been loaded`], `ConnectorName ${name}`)
  }
})
