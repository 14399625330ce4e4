// What a connector returns that breaks its operation's contract (generated/contract.ts) is answered State=Error,
// INVALID_CONNECTOR_ANSWER, naming the connector, the operation and the member at fault, over real SOAP: never an
// "Exception in ERP Connector: Cannot read properties..." nor a silently empty answer.
import { randomUUID } from 'node:crypto'
import t from 'tap'
import type { OperationName } from '../../generated/contract.js'
import type { ErpConnector } from '../../src/connector/connector.js'
import { ErrorCode } from '../../src/connector/errors.js'
import { checkAnswer } from '../../src/connector/host.js'
import { body, outcome } from '../helpers/erp.js'
import { startTestServer } from '../helpers/server.js'
import { call, child } from '../helpers/soap.js'

/** What the connector returns next, per operation; an operation not set answers a correct result. */
const answers = new Map<OperationName, unknown>()
const answer = (operation: OperationName, correct: unknown) => (answers.has(operation) ? answers.get(operation) : correct)
const wrong = {
  name: 'Wrong',
  getConfigData: async () => answer('WSGetConfigData', { FieldMetaDataObjects: [{ FieldKey: 'Password', FieldType: 'Password' }] }),
  saveConnection: async () => answer('WSSaveConnection', {}),
  testConnection: async () => answer('WSTestConnection', {}),
  getList: async () => answer('WSGetList', { ListItems: new Map([['1', 'One']]) }),
  getSupportedActorTypes: async () => answer('WSGetSupportedActorTypes', { Items: ['Customer'] }),
  getActors: async () => answer('WSGetActors', { Actors: [{ ErpKey: '1', FieldValues: new Map([['NAME', 'Acme']]) }] }),
  createActor: async () => answer('WSCreateActor', { Actor: { ErpKey: '2' } }),
} as unknown as ErpConnector

const server = await startTestServer({ connectors: [wrong] })
t.teardown(() => server.close())
const guid = randomUUID()
t.same(outcome(await call(server.endpoint, 'WSSaveConnection', body.save(guid, [['Password', 'secret-1']]))).state, 'Ok', 'the connection is stored')

const requests: Record<string, () => [OperationName, string]> = {
  WSGetConfigData: () => ['WSGetConfigData', body.configData()],
  WSSaveConnection: () => ['WSSaveConnection', body.save(randomUUID(), [])],
  WSTestConnection: () => ['WSTestConnection', body.base(guid)],
  WSGetList: () => ['WSGetList', body.list(guid, 'Countries')],
  WSGetSupportedActorTypes: () => ['WSGetSupportedActorTypes', body.base(guid)],
  WSGetActors: () => ['WSGetActors', body.get(guid, 'Customer', ['1'], ['NAME'])],
  WSCreateActor: () => ['WSCreateActor', body.create(guid, { ActorType: 'Customer', values: [['NAME', 'New']] })],
}

t.test('the correct answers of this connector pass', async (t) => {
  for (const operation of Object.keys(requests)) {
    const [op, request] = requests[operation]!()
    t.same(outcome(await call(server.endpoint, op, request)), { state: 'Ok', code: '', explanation: '' }, op)
  }
})

// [operation called, what the connector returns for which operation, the member at fault as the explanation says it]
const rows: Array<[OperationName, OperationName, unknown, string]> = [
  ['WSGetConfigData', 'WSGetConfigData', undefined, 'it returned nothing (undefined) instead of a result object (return {} for a plain success)'],
  ['WSTestConnection', 'WSTestConnection', null, 'it returned null instead of a result object'],
  ['WSSaveConnection', 'WSSaveConnection', 'ok', 'it returned the string "ok" instead of a result object'],
  ['WSGetList', 'WSGetList', [['1', 'One']], 'it returned an array instead of a result object'],
  ['WSGetList', 'WSGetList', { Items: 'not an array' }, 'Items is not a member of ListItemArrayPluginResponse (its data goes in ListItems)'],
  ['WSGetList', 'WSGetList', { ListItems: 'not an array' }, 'ListItems is the string "not an array", not a Map of strings'],
  ['WSGetList', 'WSGetList', { ListItems: { 1: 'One' } }, 'ListItems is an object, not a Map of strings'],
  ['WSGetList', 'WSGetList', { ListItems: new Map([['1', 2]]) }, 'ListItems "1" is the number 2, not a string'],
  ['WSGetList', 'WSGetList', { ListItems: new Map([[1, 'One']]) }, 'ListItems has a key that is the number 1, not a string'],
  ['WSGetSupportedActorTypes', 'WSGetSupportedActorTypes', { Items: 'Customer' }, 'Items is the string "Customer", not an array'],
  ['WSGetSupportedActorTypes', 'WSGetSupportedActorTypes', { Items: ['Customer', 7] }, 'Items[1] is the number 7, not a string'],
  ['WSGetActors', 'WSGetActors', { Actors: ['1'] }, 'Actors[0] is the string "1", not an object (ErpActorWS)'],
  ['WSGetActors', 'WSGetActors', { Actors: [{ ErpKey: '1' }, { ErpKey: 2 }] }, 'Actors[1].ErpKey is the number 2, not a string'],
  ['WSGetActors', 'WSGetActors', { Actors: [{ ErpKey: '1', FieldValues: { NAME: 'Acme' } }] }, 'Actors[0].FieldValues is an object, not a Map of strings'],
  ['WSGetActors', 'WSGetActors', { Actors: [{ ErpKey: '1', Name: 'Acme' }] }, 'Actors[0].Name is not a member of ErpActorWS'],
  ['WSGetConfigData', 'WSGetConfigData', { FieldMetaDataObjects: [{ FieldKey: 'Size', MaxLength: '50' }] }, 'FieldMetaDataObjects[0].MaxLength is the string "50", not an integer'],
  ['WSCreateActor', 'WSCreateActor', {}, 'it reported success but returned no Actor'],
  ['WSCreateActor', 'WSCreateActor', { Actor: [{ ErpKey: '2' }] }, 'Actor is an array, not an object (ErpActorWS)'],
  ['WSTestConnection', 'WSTestConnection', { State: 'Error', IsOk: 'no' }, 'IsOk is the string "no", not a boolean'],
  ['WSTestConnection', 'WSTestConnection', { State: 'Error', UserExplanation: new Error('ERP down') }, 'UserExplanation is an object, not a string'],
]

t.test('an answer that breaks the contract: State=Error, INVALID_CONNECTOR_ANSWER, naming connector, operation and member', async (t) => {
  for (const [called, broken, returned, problem] of rows) {
    answers.clear()
    answers.set(broken, returned)
    const [op, request] = requests[called]!()
    const result = outcome(await call(server.endpoint, op, request))
    t.equal(result.state, 'Error', `${called} when ${broken} returns ${problem}`)
    t.equal(result.code, ErrorCode.InvalidConnectorAnswer)
    t.match(result.explanation, `The Wrong connector answered ${broken} wrongly: ${problem}`)
    t.match(result.explanation, /This is a fault of the connector: tell its author\.$/)
  }
  answers.clear()
})

t.test('a wrong WSSaveConnection answer stores nothing; a nil payload or item is completed, not refused', async (t) => {
  const unsaved = randomUUID()
  answers.set('WSSaveConnection', 'ok')
  await call(server.endpoint, 'WSSaveConnection', body.save(unsaved, []))
  answers.clear()
  t.equal(outcome(await call(server.endpoint, 'WSTestConnection', body.base(unsaved))).code, ErrorCode.UnknownConnectionId, 'the connection was not stored')

  answers.set('WSGetActors', { Actors: [null, { ErpKey: '1', FieldValues: null }] })
  const actors = await call(server.endpoint, 'WSGetActors', body.get(guid, 'Customer', ['1'], ['NAME']))
  t.same(outcome(actors).state, 'Ok')
  t.equal(child(actors, 'Actors').children.length, 1, 'the nil actor is left out')
  answers.set('WSGetList', { ListItems: null, UserExplanation: undefined })
  t.same(outcome(await call(server.endpoint, 'WSGetList', body.list(guid, 'Countries'))).state, 'Ok')
  answers.clear()
})

t.test('a getConfigData answering nothing is named on the calls that learn the Password fields from it', async (t) => {
  const silent = { name: 'Silent', getConfigData: async () => undefined, testConnection: async () => ({}) } as unknown as ErpConnector
  const other = await startTestServer({ connectors: [silent] })
  t.teardown(() => other.close())
  const saved = outcome(await call(other.endpoint, 'WSSaveConnection', body.save(randomUUID(), [['A', 'b']])))
  t.same(saved, {
    state: 'Error',
    code: ErrorCode.InvalidConnectorAnswer,
    explanation: 'The Silent connector answered WSGetConfigData wrongly: it returned nothing (undefined) instead of a result object (return {} for a plain success). This is a fault of the connector: tell its author.',
  })
})

t.test('checkAnswer returns a correct answer as it is, and refuses with the connector named', async (t) => {
  const fine = { Items: ['Customer'] }
  t.equal(checkAnswer('Acme', 'WSGetSupportedActorTypes', fine), fine)
  t.throws(() => checkAnswer('Acme', 'WSGetSupportedActorTypes', { Items: [{}] }), {
    code: ErrorCode.InvalidConnectorAnswer,
    userExplanation: 'The Acme connector answered WSGetSupportedActorTypes wrongly: Items[0] is an object, not a string. This is a fault of the connector: tell its author.',
  })
})
