// The Memory demo connector keeps what it holds bounded: a limited number of data sets (the least recently used
// goes first), a limited number of actors in each, and a deleted connection's data set goes at once.
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { createMemoryConnector } from '../../src/connectors/memory.js'
import { actors, body, outcome } from '../helpers/erp.js'
import { startTestServer } from '../helpers/server.js'
import { call } from '../helpers/soap.js'

const memory = createMemoryConnector({ maxDatasets: 2, maxActors: 5 })
const server = await startTestServer({ connectors: [memory] })
t.teardown(() => server.close())
const url = server.endpoint

const save = async (guid: string) => outcome(await call(url, 'WSSaveConnection', body.save(guid, [['Dataset', 'demo']]))).state
const create = async (guid: string, name: string) => outcome(await call(url, 'WSCreateActor', body.create(guid, { ActorType: 'Customer', values: [['NAME', name]] })))

t.test('data sets: the least recently used one is dropped past the limit, and seeded again when used', async (t) => {
  const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()]
  t.equal(await save(a), 'Ok')
  t.equal(await save(b), 'Ok')
  t.equal((await create(a, 'Only in a')).state, 'Ok')
  // a was used after b: saving c drops b.
  t.equal(await save(c), 'Ok')
  t.ok(memory.dataset(a), 'a is kept')
  t.notOk(memory.dataset(b), 'b, least recently used, is dropped')
  t.ok(memory.dataset(c))
  const names = actors(await call(url, 'WSGetActors', body.get(a, 'Customer', ['17', '18', '19'], ['NAME']))).map((x) => x.values.NAME)
  t.same(names, ['Kunden A/S', 'Kundeklubben AS', 'Only in a'], "a's data set is the one it had")
  const again = await call(url, 'WSGetActors', body.get(b, 'Customer', ['17'], ['NAME']))
  t.same(actors(again).map((x) => x.values.NAME), ['Kunden A/S'], 'b is seeded again when used')
  t.notOk(memory.dataset(c), 'and now c, least recently used, is dropped')
})

t.test('a data set holds a bounded number of actors', async (t) => {
  const guid = randomUUID()
  t.equal(await save(guid), 'Ok')
  // The demo seed has 3 actors.
  t.equal((await create(guid, 'Fourth')).state, 'Ok')
  t.equal((await create(guid, 'Fifth')).state, 'Ok')
  const refused = await create(guid, 'Sixth')
  t.same([refused.state, refused.code], ['Error', 'INVALID_REQUEST'])
  t.equal(refused.explanation, 'The new Customer was not created: the Memory demo connector holds at most 5 actors per connection.')
})

t.test('WSDeleteConnection drops the data set', async (t) => {
  const guid = randomUUID()
  t.equal(await save(guid), 'Ok')
  t.ok(memory.dataset(guid))
  t.equal(outcome(await call(url, 'WSDeleteConnection', body.base(guid))).state, 'Ok')
  t.notOk(memory.dataset(guid))
})
