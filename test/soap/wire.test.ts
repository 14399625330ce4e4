// What the runtime reads and writes on the wire: namespaces by URI, parts in any order, nil/absent/empty,
// whitespace and Unicode kept exactly, connector selection, and exceptions turned into State=Error responses.
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import t from 'tap'
import type { ErpConnector } from '../../src/connector/connector.js'
import { field } from '../../src/connector/fields.js'
import { createMemoryConnector } from '../../src/connectors/memory.js'
import { startTestServer } from '../helpers/server.js'
import { action, ARRAYS, call, child, envelope, names, pairs, payload, post, saveConnectionBody, TNS } from '../helpers/soap.js'

const memory = createMemoryConnector()
const throwing: ErpConnector = {
  ...createMemoryConnector({ name: 'Test.Throwing' }),
  async testConnection() {
    throw new Error('the ERP refused the login', { cause: new Error('HTTP 401 from erp.example.com') })
  },
  async getSupportedActorTypes() {
    return { State: 'Ok', IsOk: false, Items: ['Customer'] }
  },
  async getSearchableFields() {
    return { State: 'Error', IsOk: true, UserExplanation: 'no fields today' }
  },
  async getSupportedActorTypeFields() {
    return { FieldMetaDataObjects: [field('BAD\u0001KEY')] }
  },
}
const server = await startTestServer({ connectors: [memory, throwing] })
t.teardown(() => server.close())

const guid = randomUUID()
await call(server.endpoint, 'WSSaveConnection', saveConnectionBody(guid))
const throwingGuid = randomUUID()
await call(`${server.endpoint}?connectorname=test.THROWING`, 'WSSaveConnection', saveConnectionBody(throwingGuid))

function getActors(keys: string[], fields: string[], connection = guid): string {
  const strings = (items: string[]) => items.map((i) => `<q:string>${i}</q:string>`).join('')
  return `<GetActorsRequest xmlns="${TNS}" xmlns:q="${ARRAYS}"><ConnectionGuid>${connection}</ConnectionGuid><ActorType>Customer</ActorType><ErpKeys>${strings(keys)}</ErpKeys><FieldKeys>${strings(fields)}</FieldKeys></GetActorsRequest>`
}

t.test('prefixes are free: any prefix bound to the right URI works, the default namespace too', async (t) => {
  const body = `<zz:GetActorsRequest xmlns:zz="${TNS}"><zz:ActorType>Customer</zz:ActorType><zz:ErpKeys><arr:string xmlns:arr="${ARRAYS}">17</arr:string></zz:ErpKeys><zz:FieldKeys xmlns:k="${ARRAYS}"><k:string>NAME</k:string></zz:FieldKeys><zz:ConnectionGuid>${guid}</zz:ConnectionGuid></zz:GetActorsRequest>`
  const wrapper = await call(server.endpoint, 'WSGetActors', body)
  t.same(pairs(child(child(child(wrapper, 'Actors'), 'ErpActorWS'), 'FieldValues')), [['NAME', 'Kunden A/S']])
})

t.test('elements with the right local name in another namespace are not parts', async (t) => {
  const body = `<GetActorsRequest xmlns="${TNS}" xmlns:o="urn:other"><ConnectionGuid>${guid}</ConnectionGuid><ActorType>Customer</ActorType><ErpKeys xmlns:q="${ARRAYS}"><q:string>17</q:string><o:string>18</o:string></ErpKeys><o:FieldKeys><q:string xmlns:q="${ARRAYS}">NAME</q:string></o:FieldKeys></GetActorsRequest>`
  const wrapper = await call(server.endpoint, 'WSGetActors', body)
  const actors = child(wrapper, 'Actors').children
  t.same(actors.map((a) => child(a, 'ErpKey').text), ['17'], 'the o:string item is ignored')
  t.same(pairs(child(actors[0]!, 'FieldValues')), [], 'o:FieldKeys is not FieldKeys: no fields asked for')
})

t.test('keys come back in request order, unknown keys skipped', async (t) => {
  const wrapper = await call(server.endpoint, 'WSGetActors', getActors(['18', 'nope', '17'], ['NAME']))
  t.same(child(wrapper, 'Actors').children.map((a) => child(a, 'ErpKey').text), ['18', '17'])
})

t.test('nil, absent and empty parts', async (t) => {
  const nilKeys = `<GetActorsRequest xmlns="${TNS}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><ConnectionGuid>${guid}</ConnectionGuid><ActorType>Customer</ActorType><ErpKeys i:nil="true"/></GetActorsRequest>`
  const nil = await call(server.endpoint, 'WSGetActors', nilKeys)
  t.equal(child(nil, 'State').text, 'Ok')
  t.same(names(child(nil, 'Actors')), [], 'nil ErpKeys is no keys: an empty Actors array, not nil')
  const absentType = await call(server.endpoint, 'WSGetActors', `<GetActorsRequest xmlns="${TNS}"><ConnectionGuid>${guid}</ConnectionGuid></GetActorsRequest>`)
  t.equal(child(absentType, 'State').text, 'Error')
  t.equal(child(absentType, 'ErrorCode').text, 'INVALID_REQUEST')
  t.match(child(absentType, 'UserExplanation').text, /no ActorType/)
  t.ok(child(absentType, 'Actors').nil, 'an error carries a nil payload, as SuperOffice host does')
  const emptyGuid = await call(server.endpoint, 'WSTestConnection', `<RequestBase xmlns="${TNS}"><ConnectionGuid/></RequestBase>`)
  t.equal(child(emptyGuid, 'ErrorCode').text, 'INVALID_CONNECTION_ID')
  t.match(child(emptyGuid, 'UserExplanation').text, /ConnectionGuid is missing/)
})

t.test('whitespace, CR, tabs and astral characters round-trip exactly', async (t) => {
  const tricky = '  Ærøskøbing\tKunde 😀 𝄞 \r\n line2 \n  '
  const escaped = tricky.replace(/\r/g, '&#xD;').replace('😀', '&#x1F600;').replace('𝄞', '&#119070;')
  const create = `<CreateActorRequest xmlns="${TNS}"><ConnectionGuid>${guid}</ConnectionGuid><Actor><ActorType>Customer</ActorType><ErpKey/><FieldValues xmlns:a="${ARRAYS}"><a:KeyValueOfstringstring><a:Key>NAME</a:Key><a:Value>${escaped}</a:Value></a:KeyValueOfstringstring><a:KeyValueOfstringstring><a:Key>POSTALCITY</a:Key><a:Value><![CDATA[<b> & </b>]]></a:Value></a:KeyValueOfstringstring></FieldValues></Actor></CreateActorRequest>`
  const created = await call(server.endpoint, 'WSCreateActor', create)
  const key = child(child(created, 'Actor'), 'ErpKey').text
  const answer = await post(server.endpoint, envelope(getActors([key], ['NAME', 'POSTALCITY'])), { soapaction: action('WSGetActors') })
  t.match(answer.text, /&#xD;/, 'CR is written as a character reference')
  const values = pairs(child(child(child(payload(answer.text), 'Actors'), 'ErpActorWS'), 'FieldValues'))
  t.same(values, [
    ['NAME', tricky],
    ['POSTALCITY', '<b> & </b>'],
  ])
})

t.test('?ConnectorName= picks a connector, case-insensitively; an unknown one is an EX error', async (t) => {
  const config = await call(`${server.endpoint}?CONNECTORNAME=memory`, 'WSGetConfigData', `<WSGetConfigData xmlns="${TNS}"/>`)
  t.equal(child(config, 'State').text, 'Ok')
  const unknown = await call(`${server.endpoint}?ConnectorName=Nope`, 'WSGetConfigData', `<WSGetConfigData xmlns="${TNS}"/>`)
  t.equal(child(unknown, 'ErrorCode').text, 'EX')
  t.equal(child(unknown, 'UserExplanation').text, 'Connector plugin Nope not found; Memory, Test.Throwing have been loaded')
  const otherConnector = await call(`${server.endpoint}?ConnectorName=Memory`, 'WSTestConnection', `<RequestBase xmlns="${TNS}"><ConnectionGuid>${throwingGuid}</ConnectionGuid></RequestBase>`)
  t.equal(child(otherConnector, 'ErrorCode').text, 'UNKNOWN_CONNECTION_ID', "a GUID saved through another connector is not this one's")
})

t.test('a connector that throws gives the response SuperOffice host gives, never a fault', async (t) => {
  const answer = await post(`${server.endpoint}?ConnectorName=Test.Throwing`, envelope(`<RequestBase xmlns="${TNS}"><ConnectionGuid>${throwingGuid}</ConnectionGuid></RequestBase>`), {
    soapaction: action('WSTestConnection'),
  })
  t.equal(answer.status, 200)
  const wrapper = payload(answer.text)
  t.same(
    wrapper.children.map((c) => [c.name, c.text]),
    [
      ['State', 'Error'],
      ['IsOk', 'false'],
      ['UserExplanation', 'Exception in ERP Connector: the ERP refused the login'],
      ['TechExplanation', '1: the ERP refused the login\n2: HTTP 401 from erp.example.com\n'],
      ['ErrorCode', 'EX'],
    ],
  )
})

t.test('IsOk always agrees with State', async (t) => {
  const url = `${server.endpoint}?ConnectorName=Test.Throwing`
  const base = `<RequestBase xmlns="${TNS}"><ConnectionGuid>${throwingGuid}</ConnectionGuid></RequestBase>`
  const isOkFalse = await call(url, 'WSGetSupportedActorTypes', base)
  t.same([child(isOkFalse, 'State').text, child(isOkFalse, 'IsOk').text], ['Error', 'false'], 'IsOk=false turns State into Error')
  const stateError = await call(url, 'WSGetSearchableFields', `<GetSearchableFieldsRequest xmlns="${TNS}"><ConnectionGuid>${throwingGuid}</ConnectionGuid><ActorType>Customer</ActorType></GetSearchableFieldsRequest>`)
  t.same([child(stateError, 'State').text, child(stateError, 'IsOk').text], ['Error', 'false'], 'State=Error wins over IsOk=true')
})

t.test('a value XML cannot carry becomes an EX error response, not a broken document', async (t) => {
  const wrapper = await call(`${server.endpoint}?ConnectorName=Test.Throwing`, 'WSGetSupportedActorTypeFields', `<GetSupportedActorTypeFieldsRequest xmlns="${TNS}"><ConnectionGuid>${throwingGuid}</ConnectionGuid><ActorType>Customer</ActorType></GetSupportedActorTypeFieldsRequest>`)
  t.equal(child(wrapper, 'ErrorCode').text, 'EX')
  t.match(child(wrapper, 'UserExplanation').text, /U\+0001, which XML 1.0 cannot carry/)
})

t.test('GUID formats new Guid(string) accepts are the same connection', async (t) => {
  for (const form of [guid.toUpperCase(), `{${guid}}`, `(${guid})`, guid.replace(/-/g, '')]) {
    const wrapper = await call(server.endpoint, 'WSTestConnection', `<RequestBase xmlns="${TNS}"><ConnectionGuid>${form}</ConnectionGuid></RequestBase>`)
    t.equal(child(wrapper, 'State').text, 'Ok', form)
  }
  const bad = await call(server.endpoint, 'WSTestConnection', `<RequestBase xmlns="${TNS}"><ConnectionGuid>not-a-guid</ConnectionGuid></RequestBase>`)
  t.equal(child(bad, 'ErrorCode').text, 'INVALID_CONNECTION_ID')
  t.match(child(bad, 'UserExplanation').text, /"not-a-guid" is not a GUID/)
})

t.test('keep-alive: several calls on one connection', async (t) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())
  const ports = new Set<number>()
  agent.on('free', (socket) => ports.add(socket.localPort ?? 0))
  for (let i = 0; i < 3; i++) {
    const answer = await post(server.endpoint, envelope(getActors(['17'], ['NAME'])), { soapaction: action('WSGetActors'), expect: '100-continue' }, agent)
    t.equal(answer.status, 200)
  }
  t.equal(ports.size, 1, 'one socket served all three calls')
})

t.test('WSGetConfigData accepts an empty body, as WCF does', async (t) => {
  const answer = await post(server.endpoint, envelope(''), { soapaction: action('WSGetConfigData') })
  t.equal(answer.status, 200)
  t.equal(payload(answer.text).name, 'FieldMetadataInfoArrayPluginResponse')
})
