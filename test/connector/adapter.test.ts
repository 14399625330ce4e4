// The generic adapter over real SOAP: an operation a connector leaves out answers NOT_SUPPORTED (the lifecycle hooks
// excepted), what a connector leaves out of a result is filled in from the generated contract table, and what a
// client leaves out of a request reaches the connector complete.
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { TYPES } from '../../generated/contract.js'
import type { Args, ErpConnector } from '../../src/connector/connector.js'
import { ErrorCode } from '../../src/connector/errors.js'
import { complete } from '../../src/connector/host.js'
import { body } from '../helpers/erp.js'
import { startTestServer } from '../helpers/server.js'
import { ARRAYS, call, child, names, TNS } from '../helpers/soap.js'

/** A connector with only the two lifecycle hooks' defaults: it implements nothing. */
const bare: ErpConnector = { name: 'Bare' }

const received: { getActors?: Args<'WSGetActors'>; searchActorsAdvanced?: Args<'WSSearchActorsAdvanced'> } = {}
/** A connector written carelessly (as plain JavaScript might be): its results leave members out. */
const sloppy: ErpConnector = {
  name: 'Sloppy',
  async getSupportedActorTypeFields() {
    return { FieldMetaDataObjects: [{ FieldKey: 'X' }] as never }
  },
  async getSupportedActorTypes(_ctx, { connection }) {
    return connection.config.get('Mode') === 'error' ? { State: 'Error', UserExplanation: 'no types today' } : {}
  },
  async getActors(_ctx, args) {
    received.getActors = args
    return { Actors: [{ ErpKey: '1' }, null] as never }
  },
  async searchActorsAdvanced(_ctx, args) {
    received.searchActorsAdvanced = args
    return {}
  },
}

const server = await startTestServer({ connectors: [bare, sloppy] })
t.teardown(() => server.close())
const bareUrl = `${server.endpoint}?ConnectorName=Bare`
const sloppyUrl = `${server.endpoint}?ConnectorName=Sloppy`
const outcome = (wrapper: ReturnType<typeof child>) => ['State', 'IsOk', 'ErrorCode'].map((part) => child(wrapper, part).text)

t.test('an operation the connector does not implement answers State=Error, NOT_SUPPORTED, naming it', async (t) => {
  const config = await call(bareUrl, 'WSGetConfigData', body.configData())
  t.same(outcome(config), ['Error', 'false', ErrorCode.NotSupported])
  t.equal(child(config, 'UserExplanation').text, 'The Bare connector does not support WSGetConfigData. Do not use this feature with this connector, or ask its author to add it.')
  t.ok(child(config, 'FieldMetaDataObjects').nil, 'no payload on Error')

  const guid = randomUUID()
  t.same(outcome(await call(bareUrl, 'WSSaveConnection', body.save(guid, [['A', 'b']]))), ['Ok', 'true', ''], 'without saveConnection the connection is simply stored')
  const tested = await call(bareUrl, 'WSTestConnection', body.base(guid))
  t.same(outcome(tested), ['Error', 'false', ErrorCode.NotSupported], 'the stored connection is found, and the call is not supported')
  t.match(child(tested, 'UserExplanation').text, /does not support WSTestConnection/)
  const actors = await call(bareUrl, 'WSGetActors', body.get(guid, 'Customer', ['1'], ['NAME']))
  t.same(outcome(actors), ['Error', 'false', ErrorCode.NotSupported])
  t.ok(child(actors, 'Actors').nil)

  t.same(outcome(await call(bareUrl, 'WSDeleteConnection', body.base(guid))), ['Ok', 'true', ''], 'without deleteConnection the connection is simply forgotten')
  t.same(outcome(await call(bareUrl, 'WSTestConnection', body.base(guid))), ['Error', 'false', ErrorCode.UnknownConnectionId], 'and is then unknown')
})

t.test('what a connector leaves out of a result is filled in from the generated table', async (t) => {
  const guid = randomUUID()
  await call(sloppyUrl, 'WSSaveConnection', body.save(guid, []))
  const fields = await call(sloppyUrl, 'WSGetSupportedActorTypeFields', body.typeFields(guid, 'Customer'))
  t.same(outcome(fields), ['Ok', 'true', ''])
  const [only, ...rest] = child(fields, 'FieldMetaDataObjects').children
  t.equal(rest.length, 0)
  const table = TYPES.FieldMetadataInfoWS
  t.same(names(only!), table.members, 'every member, in wire order')
  for (const [member, value] of Object.entries(table.defaults)) t.equal(child(only!, member).text, String(value), `${member}: .NET's default, from the table`)
  t.same([child(only!, 'Access').text, child(only!, 'FieldType').text, child(only!, 'MaxLength').text, child(only!, 'Rank').text], ['Normal', 'Checkbox', '0', '0'])
  for (const member of ['DefaultValue', 'DisplayDescription', 'DisplayName', 'ListName']) {
    t.ok(child(only!, member).text === '' && !child(only!, member).nil, `${member}: an empty string, not nil`)
  }

  const actors = await call(sloppyUrl, 'WSGetActors', body.get(guid, 'Customer', ['1'], ['NAME']))
  const [actor, ...more] = child(actors, 'Actors').children
  t.equal(more.length, 0, 'a nil actor is left out')
  t.same(names(actor!), TYPES.ErpActorWS.members)
  t.same(
    actor!.children.map((c) => [c.name, c.text, c.nil]),
    [
      ['ActorType', 'Unknown', false],
      ['ErpKey', '1', false],
      ['FieldValues', '', false],
      ['LastModified', '', false],
      ['ParentActorType', 'Unknown', false],
      ['ParentErpKey', '', false],
    ],
    "SuperOffice's constructor defaults for actors",
  )

  const types = await call(sloppyUrl, 'WSGetSupportedActorTypes', body.base(guid))
  t.ok(!child(types, 'Items').nil && child(types, 'Items').children.length === 0, 'a payload left out on success is empty, not nil')
  const failing = randomUUID()
  await call(sloppyUrl, 'WSSaveConnection', body.save(failing, [['Mode', 'error']]))
  const failed = await call(sloppyUrl, 'WSGetSupportedActorTypes', body.base(failing))
  t.same(outcome(failed), ['Error', 'false', ''])
  t.ok(child(failed, 'Items').nil, 'and nil on Error')
})

t.test('what a client leaves out of a request reaches the connector complete', async (t) => {
  const guid = randomUUID()
  await call(sloppyUrl, 'WSSaveConnection', body.save(guid, []))
  await call(sloppyUrl, 'WSGetActors', `<GetActorsRequest xmlns="${TNS}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns:a="${ARRAYS}"><ConnectionGuid>${guid}</ConnectionGuid><ActorType>Person</ActorType><ErpKeys i:nil="true"/><FieldKeys><a:string i:nil="true"/><a:string>NAME</a:string></FieldKeys></GetActorsRequest>`)
  t.same(received.getActors && { ...received.getActors, connection: received.getActors.connection.id }, { ActorType: 'Person', ErpKeys: [], FieldKeys: ['NAME'], connection: guid }, 'nil arrays are empty, nil items dropped')

  await call(sloppyUrl, 'WSSearchActorsAdvanced', `<SearchActorsAdvancedRequest xmlns="${TNS}"><ConnectionGuid>${guid}</ConnectionGuid><ActorType>Customer</ActorType><Restrictions><SearchRestrictionInfoWS><FieldKey>NAME</FieldKey><ScalarValue>Kunden</ScalarValue></SearchRestrictionInfoWS></Restrictions></SearchActorsAdvancedRequest>`)
  t.same(
    received.searchActorsAdvanced?.Restrictions,
    [{ FieldKey: 'NAME', Operator: '', ScalarValue: 'Kunden', Values: ['Kunden'] }],
    'a restriction without Values takes its ScalarValue; a missing Operator is empty',
  )
  t.same(received.searchActorsAdvanced?.FieldKeys, [], 'FieldKeys left out: an empty list')
})

t.test('complete(): every member of a data contract, value types from the generated defaults', async (t) => {
  t.same(complete('FieldMetadataInfoWS', {}), { ...TYPES.FieldMetadataInfoWS.defaults, DefaultValue: '', DisplayDescription: '', DisplayName: '', FieldKey: '', ListName: '' })
  t.same(complete('SearchRestrictionInfoWS', { Values: ['a', null] }), { FieldKey: '', Operator: '', ScalarValue: '', Values: ['a'] })
})
