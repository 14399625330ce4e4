// A WCF client's exact requests for all 17 operations, replayed over HTTP: every response must have the wrapper,
// part order and member order the WCF deserializer expects, and validate against the WSDL's own schema (xmllint).
import t, { type Test } from 'tap'
import { OPERATIONS, RESULT_BASE, TYPES } from '../../generated/contract.js'
import { ErpConnectorWS } from '../../generated/service.js'
import { bodyDocument, extractSchemas, validate } from '../helpers/schema.js'
import { startTestServer } from '../helpers/server.js'
import { action, child, fixture, names, pairs, payload, post, TNS } from '../helpers/soap.js'

const server = await startTestServer()
t.teardown(() => server.close())
const schema = extractSchemas()

// SuperOffice's order: configure, save, then use; delete last.
const ORDER = [
  'WSGetConfigData',
  'WSTestConfigData',
  'WSGetList',
  'WSSaveConnection',
  'WSTestConnection',
  'WSGetSupportedActorTypes',
  'WSGetSupportedActorTypeFields',
  'WSGetSearchableFields',
  'WSGetActors',
  'WSSearchActors',
  'WSSearchActorsAdvanced',
  'WSSearchActorByParent',
  'WSCreateActor',
  'WSSaveActors',
  'WSGetListItems',
  'WSGetActorsByTimestamp',
  'WSDeleteConnection',
] as const

const ACTOR_MEMBERS = TYPES.ErpActorWS.members
const FIELD_MEMBERS = TYPES.FieldMetadataInfoWS.members

t.equal(ORDER.length, Object.keys(ErpConnectorWS.operations).length, 'every operation has a fixture in the replay')

for (const operation of ORDER) {
  await t.test(operation, async (t) => {
    const op = ErpConnectorWS.operations[operation]
    const request = fixture(operation)
    t.equal(validate(schema, dotNetOrder(bodyDocument(request))), '', 'the request, in .NET part order, validates against the WSDL schema')
    const answer = await post(server.endpoint, request, { soapaction: action(operation), expect: '100-continue' })
    t.equal(answer.status, 200)
    t.equal(answer.contentType, 'text/xml; charset=utf-8')
    t.not(answer.bytes[0], 0xef, 'no byte order mark')
    t.match(answer.text, /^<s:Envelope xmlns:s="http:\/\/schemas.xmlsoap.org\/soap\/envelope\/"><s:Body>/)
    const wrapper = payload(answer.text)
    t.equal(wrapper.name, op.responseElement, 'response wrapper element')
    t.equal(wrapper.ns, TNS, 'response wrapper namespace')
    const part: string | null = OPERATIONS[operation].payload
    t.same(names(wrapper), part ? [...RESULT_BASE.members, part] : RESULT_BASE.members, 'parts in Order')
    t.ok(wrapper.children.every((c) => c.ns === TNS), 'every part in the contract namespace')
    t.equal(child(wrapper, 'State').text, 'Ok', `State (${child(wrapper, 'UserExplanation').text})`)
    t.equal(child(wrapper, 'IsOk').text, 'true')
    t.equal(validate(schema, bodyDocument(answer.text)), '', 'the response validates against the WSDL schema')
    const value = part ? child(wrapper, part) : undefined
    if (part === 'Actors' || part === 'Actor') {
      const actors = part === 'Actor' ? [value!] : value!.children
      for (const actor of actors) t.same(names(actor), ACTOR_MEMBERS, 'ErpActorWS members in alphabetical order')
    }
    if (part === 'FieldMetaDataObjects') {
      t.ok(value!.children.length > 0)
      for (const field of value!.children) t.same(names(field), FIELD_MEMBERS, 'FieldMetadataInfoWS members in order')
      const ranks = value!.children.map((f) => child(f, 'Rank').text)
      t.equal(new Set(ranks).size, ranks.length, 'unique ranks')
    }
    checkPayload(t, operation, wrapper)
  })
}

/** Mono's client writes the base-class part ConnectionGuid last; .NET (and the WSDL's sequence) put it first. */
function dotNetOrder(body: string): string {
  const guid = /<ConnectionGuid>[^<]*<\/ConnectionGuid>/.exec(body)?.[0]
  if (!guid) return body
  return body.replace(guid, '').replace(/^(<\w+ xmlns="[^"]*">)/, `$1${guid}`)
}

function checkPayload(t: Test, operation: (typeof ORDER)[number], wrapper: ReturnType<typeof payload>): void {
  const actorsOf = () =>
    child(wrapper, 'Actors').children.map((a) => ({ key: child(a, 'ErpKey').text, values: pairs(child(a, 'FieldValues')) }))
  switch (operation) {
    case 'WSGetActors':
      t.same(actorsOf(), [
        { key: '17', values: [['NAME', 'Kunden A/S'], ['POSTALCITY', 'Oslo']] },
        { key: '18', values: [['NAME', 'Kundeklubben AS'], ['POSTALCITY', 'Bergen']] },
      ])
      break
    case 'WSSearchActors':
      t.same(actorsOf().map((a) => a.key), ['17', '18'], '"kund" matches both customers, case-insensitively')
      break
    case 'WSSearchActorByParent':
      t.same(actorsOf(), [{ key: '1', values: [['FIRSTNAME', 'Kari']] }])
      break
    case 'WSCreateActor': {
      const actor = child(wrapper, 'Actor')
      t.match(child(actor, 'ErpKey').text, /^[0-9]+$/, 'a new ErpKey')
      t.not(child(actor, 'LastModified').text, '', 'a LastModified')
      t.same(pairs(child(actor, 'FieldValues'))[0], ['FIRSTNAME', 'Kari & <Ola>'], 'escaped text round-trips')
      t.equal(child(actor, 'ParentErpKey').text, '17')
      break
    }
    case 'WSSaveActors':
      t.same(actorsOf()[0]!.values.filter(([k]) => k === 'NAME' || k === 'POSTALCITY'), [
        ['NAME', 'Kunden A/S'],
        ['POSTALCITY', null],
      ])
      break
    case 'WSGetList':
      t.same(pairs(child(wrapper, 'ListItems')), [
        ['1', 'Small'],
        ['2', 'Medium'],
        ['3', 'Large'],
      ])
      break
    case 'WSGetListItems':
      t.same(pairs(child(wrapper, 'ListItems')), [
        ['1', 'Small'],
        ['3', 'Large'],
      ])
      break
    case 'WSGetActorsByTimestamp':
      t.same(actorsOf().map((a) => a.key).sort(), ['17', '18'])
      break
    case 'WSGetSupportedActorTypes':
      t.same(child(wrapper, 'Items').children.map((c) => c.text), ['Customer', 'Person'])
      break
    default:
      break
  }
}

await t.test('after WSDeleteConnection the GUID is unknown', async (t) => {
  const answer = await post(server.endpoint, fixture('WSTestConnection'), { soapaction: action('WSTestConnection') })
  const wrapper = payload(answer.text)
  t.equal(child(wrapper, 'State').text, 'Error')
  t.equal(child(wrapper, 'IsOk').text, 'false')
  t.equal(child(wrapper, 'ErrorCode').text, 'UNKNOWN_CONNECTION_ID')
})
