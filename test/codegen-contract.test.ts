// generated/contract.ts: the operation descriptors and data-contract tables the host, the conformance kit and the
// tests read, given the WSDL (table-driven), and consistent with the generated operation table.
import t from 'tap'
import { OPERATIONS, RESULT_BASE, TYPES } from '../generated/contract.js'
import { ErpConnectorWS } from '../generated/service.js'
import { CONNECTOR_OWN_MEMBERS, emitContract, methodName } from '../scripts/codegen/contract.js'
import type { ComplexType } from '../scripts/codegen/model.js'
import { modelOf } from '../scripts/codegen/read.js'
import type { ConnectorMethods, ErpConnector } from '../src/connector/connector.js'

t.test('operation descriptors', async (t) => {
  const rows: Array<[keyof typeof OPERATIONS, { payload: string | null; connectionGuid: boolean; arguments: string[] }]> = [
    ['WSGetConfigData', { payload: 'FieldMetaDataObjects', connectionGuid: false, arguments: [] }],
    ['WSTestConfigData', { payload: null, connectionGuid: false, arguments: ['ConnectionInfo'] }],
    ['WSSaveConnection', { payload: null, connectionGuid: true, arguments: ['ConnectionInfo'] }],
    ['WSTestConnection', { payload: null, connectionGuid: true, arguments: [] }],
    ['WSGetSupportedActorTypes', { payload: 'Items', connectionGuid: true, arguments: [] }],
    ['WSCreateActor', { payload: 'Actor', connectionGuid: true, arguments: ['Actor'] }],
    ['WSGetList', { payload: 'ListItems', connectionGuid: true, arguments: ['ListName'] }],
    ['WSSearchActorByParent', { payload: 'Actors', connectionGuid: true, arguments: ['ActorType', 'SearchText', 'ParentActorType', 'ParentActorErpKey', 'FieldKeys'] }],
    ['WSGetActorsByTimestamp', { payload: 'Actors', connectionGuid: true, arguments: ['UpdatedOnOrAfter', 'ActorType', 'FieldKeys'] }],
  ]
  for (const [operation, want] of rows) {
    const got = OPERATIONS[operation]
    t.same({ payload: got.payload, connectionGuid: got.connectionGuid, arguments: got.arguments }, want, operation)
  }
  t.same(RESULT_BASE, { name: 'ConnectorResultBase', members: ['State', 'IsOk', 'UserExplanation', 'TechExplanation', 'ErrorCode'] })
})

t.test('the descriptors agree with the operation table and the data contracts', async (t) => {
  t.same(Object.keys(OPERATIONS).sort(), Object.keys(ErpConnectorWS.operations).sort())
  for (const [name, op] of Object.entries(ErpConnectorWS.operations)) {
    const contract = OPERATIONS[name as keyof typeof OPERATIONS]
    t.same([contract.request, contract.response], [op.requestElement, op.responseElement], `${name}: wrapper elements`)
    const response = TYPES[contract.response].members as readonly string[]
    t.same(response, contract.payload ? [...RESULT_BASE.members, contract.payload] : RESULT_BASE.members, `${name}: response = base + payload`)
    const request = TYPES[contract.request].members as readonly string[]
    t.same(request.filter((m) => m !== 'ConnectionGuid'), contract.arguments, `${name}: arguments`)
    t.equal(request.includes('ConnectionGuid'), contract.connectionGuid, `${name}: ConnectionGuid`)
  }
})

t.test('data contracts: wire order and .NET defaults of value-typed members', async (t) => {
  t.same(TYPES.FieldMetadataInfoWS.members, ['Access', 'DefaultValue', 'DisplayDescription', 'DisplayName', 'FieldKey', 'FieldType', 'ListName', 'MaxLength', 'Rank'])
  t.same(TYPES.FieldMetadataInfoWS.defaults, { Access: 'Normal', FieldType: 'Checkbox', MaxLength: 0, Rank: 0 }, 'enum: first value; int: 0')
  t.same(TYPES.ConnectorResultBase.defaults, { State: 'Ok', IsOk: false }, 'bool: false')
  t.same(TYPES.ErpActorWS.defaults, {}, 'reference types have no default')
  t.same(TYPES.SearchActorsAdvancedRequest.kinds.Restrictions, { kind: 'array', of: 'struct', type: 'SearchRestrictionInfoWS' })
})

t.test('method names', async (t) => {
  const rows: Array<[string, string]> = [
    ['WSGetActors', 'getActors'],
    ['WSSearchActorByParent', 'searchActorByParent'],
    ['Echo', 'echo'],
    ['WSsync', 'wSsync'],
  ]
  for (const [operation, want] of rows) t.equal(methodName(operation), want, operation)
})

/** A contract with these operations, each with an empty request and response. */
function contractOf(operations: string[]): string {
  const empty = (name: string): ComplexType => ({ ns: 'urn:test', name, shape: { kind: 'struct', members: [] } })
  return emitContract(
    modelOf({
      wsdlRelative: 'wsdl/test.wsdl',
      service: 'TestService',
      targetNs: 'urn:test',
      complexTypes: new Map(),
      enums: new Map(),
      wrappers: new Map([['Request', empty('Request')], ['Response', empty('Response')]]),
      operations: operations.map((name) => ({ name, soapAction: `urn:test/${name}`, request: 'Request', response: 'Response' })),
    }),
  )
}

t.test('each operation gets a connector method of its own, never one of the connector\'s own members', async (t) => {
  const rows: Array<[string[], RegExp | 'generated']> = [
    [['WSGetActors', 'WSSaveActors'], 'generated'],
    [['GetActors', 'WSGetActors'], /operations GetActors and WSGetActors both map to the connector method getActors/],
    [['WSGetActors', 'getActors'], /operations WSGetActors and getActors both map to the connector method getActors/],
    [['Name'], /operation Name maps to the connector method name, which is a member every connector has/],
    [['WSClose'], /operation WSClose maps to the connector method close/],
    [['CacheStats'], /operation CacheStats maps to the connector method cacheStats/],
  ]
  for (const [operations, want] of rows) {
    if (want === 'generated') t.match(contractOf(operations), /export const OPERATIONS/, operations.join(', '))
    else t.throws(() => contractOf(operations), want, operations.join(', '))
  }
})

t.test('the members every connector has are those ErpConnector declares besides the operations', async (t) => {
  // Checked by tsc: a member added to ErpConnector, or removed, must be listed here, and so in the generator.
  const declared = { name: true, close: true, cacheStats: true } satisfies Record<Exclude<keyof ErpConnector, keyof ConnectorMethods>, true>
  t.same([...CONNECTOR_OWN_MEMBERS].sort(), Object.keys(declared).sort())
})
