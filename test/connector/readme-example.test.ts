// README "Writing a connector": its example is readme-example.ts (compiled with the tests), word for word but for
// the package import, which names the package's source entry here (src/index.ts, what 'erp-connector-ws' exports
// once built); it is served from CONNECTORS, and works over SOAP, as the README says.
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { field, ranked } from '../../src/connector/fields.js'
import { loadConnectors } from '../../src/connectors/registry.js'
import { PROJECT_ROOT } from '../../src/server.js'
import { actors as actorsOf, body } from '../helpers/erp.js'
import { startTestServer } from '../helpers/server.js'
import { call, child } from '../helpers/soap.js'
import { acme } from './readme-example.js'

t.test('the README example is readme-example.ts, importing from the package as a project of its own does', async (t) => {
  const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('## Writing a connector'))
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1]
  const source = readFileSync(path.join(PROJECT_ROOT, 'test/connector/readme-example.ts'), 'utf8')
  t.match(source, /from '\.\.\/\.\.\/src\/index\.js'/, 'the example imports the package entry only')
  t.equal(block, source.replaceAll("from '../../src/index.js'", "from 'erp-connector-ws'"))
  t.notMatch(block, /from '\.{1,2}\//, 'nothing is imported from this server\'s own files')
})

t.test('the example module, named in CONNECTORS, is loaded by its default export', async (t) => {
  const [loaded] = await loadConnectors({ connectors: [path.join(PROJECT_ROOT, 'test/connector/readme-example.ts')], dataDir: tmpdir(), env: {} })
  t.equal(loaded, acme)
})

t.test('the example connector over SOAP', async (t) => {
  const server = await startTestServer({ connectors: [acme] })
  t.teardown(() => server.close())
  const state = (wrapper: ReturnType<typeof child>) => [child(wrapper, 'State').text, child(wrapper, 'ErrorCode').text]
  const untested = await call(server.endpoint, 'WSTestConfigData', body.testConfig([['ApiKey', 'k']]))
  t.same([...state(untested), child(untested, 'UserExplanation').text], ['Error', '', 'Enter the address of the ERP in Server.'])
  const guid = randomUUID()
  t.same(state(await call(server.endpoint, 'WSSaveConnection', body.save(guid, [['Server', 'erp.example.com'], ['ApiKey', 'k']]))), ['Ok', ''])
  t.same(state(await call(server.endpoint, 'WSTestConnection', body.base(guid))), ['Ok', ''])
  const fields = child(await call(server.endpoint, 'WSGetSupportedActorTypeFields', body.typeFields(guid, 'Customer')), 'FieldMetaDataObjects').children
  t.same(fields.map((f) => [child(f, 'FieldKey').text, child(f, 'Rank').text, child(f, 'FieldType').text]), [['NAME', '1', 'Text'], ['POSTALCITY', '2', 'Text']])
  t.same(actorsOf(await call(server.endpoint, 'WSGetActors', body.get(guid, 'Customer', ['2'], ['NAME']))).map((a) => [a.ErpKey, a.values]), [['2', { NAME: 'Acme Ltd' }]])
  t.same(actorsOf(await call(server.endpoint, 'WSSearchActors', body.search(guid, 'Customer', 'KUNDEN', ['POSTALCITY']))).map((a) => [a.ErpKey, a.values]), [['1', { POSTALCITY: 'Oslo' }]])
  const person = await call(server.endpoint, 'WSGetActors', body.get(guid, 'Person', ['1'], []))
  t.same([...state(person), child(person, 'UserExplanation').text], ['Error', 'INVALID_REQUEST', 'Acme has no Person actors; it has Customer.'])
  const created = await call(server.endpoint, 'WSCreateActor', body.create(guid, { ActorType: 'Customer', values: [['NAME', 'New']] }))
  t.same(state(created), ['Error', 'NOT_SUPPORTED'], 'what it does not implement is not supported')
})

t.test('field(): Text and Normal unless told, the key as display name; ranked() numbers in order', async (t) => {
  t.same(field('X'), { Access: 'Normal', DefaultValue: '', DisplayDescription: '', DisplayName: 'X', FieldKey: 'X', FieldType: 'Text', ListName: '', MaxLength: 0, Rank: 0 })
  t.same(field('G', { type: 'List', listName: 'Groups', access: 'ReadOnly', displayName: 'Group', rank: 7 }), { Access: 'ReadOnly', DefaultValue: '', DisplayDescription: '', DisplayName: 'Group', FieldKey: 'G', FieldType: 'List', ListName: 'Groups', MaxLength: 0, Rank: 7 })
  t.same(ranked([field('A', { rank: 9 }), field('B')]).map((f) => f.Rank), [1, 2])
})
