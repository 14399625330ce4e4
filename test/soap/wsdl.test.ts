// The served WSDL: its address follows the client, it validates, and third-party SOAP toolkits (Python zeep and
// node-soap) load it and complete calls against the real server.
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import soap from 'soap'
import t from 'tap'
import { PROJECT_ROOT } from '../../src/server.js'
import { extractSchemas, validate } from '../helpers/schema.js'
import { startTestServer } from '../helpers/server.js'
import { get } from '../helpers/soap.js'

const server = await startTestServer()
const proxied = await startTestServer({ trustProxy: true })
t.teardown(async () => {
  await server.close()
  await proxied.close()
})


const address = (text: string) => /<soap:address location="([^"]*)"/.exec(text)?.[1]

t.test('?wsdl in any case, and ?singleWsdl, serve the WSDL at the address the client used', async (t) => {
  for (const query of ['wsdl', 'WSDL', 'singleWsdl', 'SINGLEWSDL']) {
    const answer = await get(`${server.endpoint}?${query}`)
    t.equal(answer.status, 200, query)
    t.equal(answer.type, 'text/xml; charset=utf-8')
    t.equal(address(answer.text), server.endpoint, query)
  }
  const viaName = await get(`${server.endpoint}?wsdl`, { host: 'erp.example.com:8443' })
  t.equal(address(viaName.text), 'http://erp.example.com:8443/ErpConnectorWS.svc', 'the Host header decides')
  const named = await get(`${server.endpoint}?ConnectorName=Memory&wsdl`)
  t.equal(address(named.text), `${server.endpoint}?ConnectorName=Memory`, 'a ?ConnectorName= is kept')
  const committed = readFileSync(path.join(PROJECT_ROOT, 'wsdl/ErpConnectorWS.wsdl'), 'utf8')
  t.equal(viaName.text.replace(/location="[^"]*"/, ''), committed.replace(/location="[^"]*"/, ''), 'otherwise the committed WSDL, unchanged')
})

t.test('behind a proxy, X-Forwarded-Proto/-Host are honoured only when configured', async (t) => {
  const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'crm-erp.example.com' }
  t.equal(address((await get(`${proxied.endpoint}?wsdl`, headers)).text), 'https://crm-erp.example.com/ErpConnectorWS.svc')
  t.equal(address((await get(`${server.endpoint}?wsdl`, headers)).text), server.endpoint, 'ignored without TRUST_PROXY')
  const injected = await get(`${server.endpoint}?wsdl`, { host: 'evil.com"><x y="' })
  t.notMatch(injected.text, /evil/, 'a malformed Host cannot inject markup')
})

t.test('a plain GET answers 200 and points at the WSDL', async (t) => {
  const answer = await get(server.endpoint)
  t.equal(answer.status, 200)
  t.match(answer.text, `${server.endpoint}?wsdl`)
})

t.test('the embedded schemas compile in xmllint and tell valid from invalid messages', async (t) => {
  const main = extractSchemas()
  const valid = `<RequestBase xmlns="http://www.superoffice.net/EIS/Connector/1.0"><ConnectionGuid>x</ConnectionGuid></RequestBase>`
  const invalid = `<RequestBase xmlns="http://www.superoffice.net/EIS/Connector/1.0"><Nope/></RequestBase>`
  t.equal(validate(main, valid), '', 'a valid message passes')
  t.match(validate(main, invalid), /Nope.*not expected/, 'an invalid one is reported')
})

t.test('Python zeep loads the served WSDL and runs config, save, create, get, search', async (t) => {
  const python = '/usr/bin/python3'
  if (!existsSync(python)) return t.fail('Debian python3 is needed: apt-get install python3-zeep')
  const script = path.join(PROJECT_ROOT, 'test/interop/zeep_client.py')
  const { stdout } = await promisify(execFile)(python, [script, `${server.endpoint}?wsdl`, randomUUID()], { timeout: 60_000 })
  const result = JSON.parse(stdout) as Record<string, unknown>
  t.same(result, {
    config: { State: 'Ok', fields: ['Dataset', 'DefaultGroup', 'ApiKey'] },
    save: { State: 'Ok', IsOk: true },
    test: { State: 'Ok' },
    create: { State: 'Ok', ErpKey: '19', hasLastModified: true },
    created: { NAME: 'Zeep & Co AS', POSTALCITY: 'Tromsø' },
    get: [{ ErpKey: '17', values: { NAME: 'Kunden A/S', POSTALCITY: 'Oslo' } }],
    search: ['19'],
    list: [
      ['1', 'Small'],
      ['2', 'Medium'],
      ['3', 'Large'],
    ],
  })
})

t.test('node-soap loads the served WSDL and runs config, save, create, get, search', async (t) => {
  const client = await soap.createClientAsync(`${server.endpoint}?wsdl`)
  const guid = randomUUID()
  const [config] = await client.WSGetConfigDataAsync({})
  t.equal(config.State, 'Ok')
  t.same(
    config.FieldMetaDataObjects.FieldMetadataInfoWS.map((f: { FieldKey: string }) => f.FieldKey),
    ['Dataset', 'DefaultGroup', 'ApiKey'],
  )
  const [saved] = await client.WSSaveConnectionAsync({
    ConnectionGuid: guid,
    ConnectionInfo: { KeyValueOfstringstring: [{ Key: 'Dataset', Value: 'demo' }] },
  })
  t.same([saved.State, saved.IsOk], ['Ok', true])
  const [tested] = await client.WSTestConnectionAsync({ ConnectionGuid: guid })
  t.equal(tested.State, 'Ok')
  const [created] = await client.WSCreateActorAsync({
    ConnectionGuid: guid,
    Actor: { ActorType: 'Customer', ErpKey: '', FieldValues: { KeyValueOfstringstring: [{ Key: 'NAME', Value: 'Node & Soap <AS>' }] }, LastModified: '', ParentActorType: 'Unknown', ParentErpKey: '' },
  })
  t.same([created.State, created.Actor.ErpKey], ['Ok', '19'])
  const [fetched] = await client.WSGetActorsAsync({ ConnectionGuid: guid, ActorType: 'Customer', ErpKeys: { string: ['19'] }, FieldKeys: { string: ['NAME'] } })
  t.same([[fetched.Actors.ErpActorWS].flat()[0].FieldValues.KeyValueOfstringstring].flat(), [{ Key: 'NAME', Value: 'Node & Soap <AS>' }])
  const [byName] = await client.WSSearchActorsAsync({ ConnectionGuid: guid, ActorType: 'Customer', SearchText: 'soap <as', FieldKeys: { string: ['NAME'] } })
  t.same([byName.Actors.ErpActorWS].flat().map((a: { ErpKey: string }) => a.ErpKey), ['19'])
  const [got] = await client.WSGetActorsAsync({ ConnectionGuid: guid, ActorType: 'Customer', ErpKeys: { string: ['18'] }, FieldKeys: { string: ['NAME'] } })
  const actor = [got.Actors.ErpActorWS].flat()[0]
  t.equal(actor.ErpKey, '18')
  t.same([actor.FieldValues.KeyValueOfstringstring].flat(), [{ Key: 'NAME', Value: 'Kundeklubben AS' }])
  const [found] = await client.WSSearchActorsAsync({ ConnectionGuid: guid, ActorType: 'Customer', SearchText: 'oslo', FieldKeys: { string: ['NAME'] } })
  t.same([found.Actors.ErpActorWS].flat().map((a: { ErpKey: string }) => a.ErpKey), ['17'])
  const [list] = await client.WSGetListItemsAsync({ ConnectionGuid: guid, ListName: 'CustomerGroup', ListItemKeys: { string: ['2'] } })
  t.same([list.ListItems.KeyValueOfstringstring].flat(), [{ Key: '2', Value: 'Medium' }])
})
