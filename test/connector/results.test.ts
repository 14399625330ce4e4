// What the host sends for what a connector returns or throws, and which GUID strings are accepted.
import t from 'tap'
import { ConnectorFailure } from '../../src/connector/errors.js'
import { normalizeGuid } from '../../src/connector/guid.js'
import { complete, errorResult, finish, requestArguments, shapeResult } from '../../src/connector/host.js'

t.test('finish: IsOk always agrees with State; State wins; all base parts present', async (t) => {
  const rows: Array<[string, Parameters<typeof finish>[0], [string, boolean]]> = [
    ['nothing returned', undefined, ['Ok', true]],
    ['empty result', {}, ['Ok', true]],
    ['IsOk=true alone', { IsOk: true }, ['Ok', true]],
    ['IsOk=false alone means an error', { IsOk: false }, ['Error', false]],
    ['State=Error, IsOk=true', { State: 'Error', IsOk: true }, ['Error', false]],
    ['State=Ok, IsOk=false', { State: 'Ok', IsOk: false }, ['Error', false]],
    ['Warning keeps IsOk=true', { State: 'Warning' }, ['Warning', true]],
    ['OkWithInfo keeps IsOk=true', { State: 'OkWithInfo', IsOk: true }, ['OkWithInfo', true]],
  ]
  for (const [name, given, [state, isOk]] of rows) {
    const got = finish(given)
    t.same([got.State, got.IsOk], [state, isOk], name)
    t.same([got.UserExplanation, got.TechExplanation, got.ErrorCode].map((v) => typeof v), ['string', 'string', 'string'], `${name}: strings, never nil`)
  }
})

t.test('errorResult: exceptions as SuperOffice host shapes them; ConnectorFailure keeps its code', async (t) => {
  t.same(errorResult(new Error('outer', { cause: new TypeError('inner') })), {
    State: 'Error',
    IsOk: false,
    UserExplanation: 'Exception in ERP Connector: outer',
    TechExplanation: '1: outer\n2: inner\n',
    ErrorCode: 'EX',
  })
  t.same(errorResult('a string'), { State: 'Error', IsOk: false, UserExplanation: 'Exception in ERP Connector: a string', TechExplanation: '1: a string\n', ErrorCode: 'EX' })
  t.same(errorResult(new ConnectorFailure('UNKOWN_FIELDKEY', 'No field FOO.', 'detail')), {
    State: 'Error',
    IsOk: false,
    UserExplanation: 'No field FOO.',
    TechExplanation: 'detail',
    ErrorCode: 'UNKOWN_FIELDKEY',
  })
  const loop: Error & { cause?: unknown } = new Error('loop')
  loop.cause = loop
  t.equal(errorResult(loop).TechExplanation!.split('\n').length - 1, 10, 'a cause cycle is cut off')
})

t.test('complete fills in SuperOffice constructor defaults for an actor', async (t) => {
  t.same(complete('ErpActorWS', {}), { ActorType: 'Unknown', ErpKey: '', FieldValues: new Map(), LastModified: '', ParentActorType: 'Unknown', ParentErpKey: '' })
})

t.test('normalizeGuid: the formats new Guid(string) takes, lower-case D out', async (t) => {
  const d = '3aef3af6-8642-4fc1-8dc9-4e08bd76a6bf'
  const rows: Array<[string | null | undefined, string | undefined]> = [
    [d, d],
    [d.toUpperCase(), d],
    [` ${d} `, d],
    [`{${d}}`, d],
    [`(${d})`, d],
    [d.replace(/-/g, ''), d],
    ['00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000000'],
    [`{${d})`, undefined],
    [d.slice(1), undefined],
    [d.replace('a', 'g'), undefined],
    ['', undefined],
    [null, undefined],
    [undefined, undefined],
  ]
  for (const [given, want] of rows) t.equal(normalizeGuid(given), want, String(given))
})

t.test('shapeResult: a payload left out is empty on success, nil on Error', async (t) => {
  const rows: Array<[Parameters<typeof shapeResult>[0], string, unknown]> = [
    ['WSGetActors', 'Actors', []],
    ['WSGetSupportedActorTypes', 'Items', []],
    ['WSGetList', 'ListItems', new Map()],
    ['WSGetConfigData', 'FieldMetaDataObjects', []],
  ]
  for (const [operation, member, empty] of rows) {
    t.same(shapeResult(operation, {})[member], empty, `${operation}: Ok`)
    t.equal(shapeResult(operation, { State: 'Error' })[member], null, `${operation}: Error`)
  }
  t.equal(shapeResult('WSCreateActor', { State: 'Error' }).Actor, null)
  t.same(Object.keys(shapeResult('WSTestConnection', {})), ['State', 'IsOk', 'UserExplanation', 'TechExplanation', 'ErrorCode'], 'no payload member')
})

t.test('requestArguments: refusals a connector never sees', async (t) => {
  t.throws(() => requestArguments('WSCreateActor', { ConnectionGuid: 'x' }), { code: 'INVALID_REQUEST', message: 'The request has no Actor.' })
  t.throws(() => requestArguments('WSSaveActors', { Actors: [{ ActorType: 'Customer' }, {}] }), { code: 'INVALID_REQUEST', message: /"Unknown" is not an actor type/ })
  t.throws(() => requestArguments('WSGetActors', { ActorType: 'Company' }), { code: 'INVALID_REQUEST', message: /"Company" is not an actor type SuperOffice knows/ })
  t.same(requestArguments('WSGetListItems', { ListName: null }), { ListName: '', ListItemKeys: [] })
})
