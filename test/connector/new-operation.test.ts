// Issue #14's promise on the connector side: an operation added to the WSDL is served with nothing but the WSDL,
// `npm run codegen` and the connector's method. A copy of wsdl/ErpConnectorWS.wsdl gains WSGetActorCount; the
// generator writes its generated/ into a scratch project beside this one, next to an unchanged copy of src/ (so
// that src/ imports that generated/, as it would after `npm run codegen`); a connector written against that copy's
// types compiles, and the copy's host and SOAP plugin serve it over real HTTP with a real connection store.
import { randomUUID } from 'node:crypto'
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import Fastify from 'fastify'
import t from 'tap'
import ts from 'typescript'
import { generate } from '../../scripts/codegen.js'
import { PROJECT_ROOT } from '../../src/layout.js'
import { createTestDatabase } from '../helpers/database.js'
import { body } from '../helpers/erp.js'
import { BASE_PARTS, call, child, get, names, TNS } from '../helpers/soap.js'

const NAME = 'ErpConnectorWS.wsdl'
const ACTION = `${TNS}/IErpConnectorWS/WSGetActorCount`

/** Inserts `text` before the one occurrence of `anchor` in the WSDL, so the copy follows the real file as it changes. */
function insertBefore(wsdl: string, anchor: string, text: string): string {
  const at = wsdl.indexOf(anchor)
  if (at < 0 || wsdl.indexOf(anchor, at + 1) >= 0) throw new Error(`${NAME}: expected exactly one ${anchor}`)
  return wsdl.slice(0, at) + text + wsdl.slice(at)
}

/** wsdl/ErpConnectorWS.wsdl plus WSGetActorCount(ConnectionGuid, ActorType) → ActorCountPluginResponse(base + Count), in its style. */
function wsdlWithActorCount(): string {
  let wsdl = readFileSync(path.join(PROJECT_ROOT, 'wsdl', NAME), 'utf8')
  wsdl = insertBefore(
    wsdl,
    '      <xs:complexType name="ErpActorWS">',
    `      <xs:element name="GetActorCountRequest">
        <xs:complexType>
          <xs:sequence>
            <xs:element minOccurs="0" name="ConnectionGuid" nillable="true" type="xs:string"/>
            <xs:element minOccurs="0" name="ActorType" nillable="true" type="xs:string"/>
          </xs:sequence>
        </xs:complexType>
      </xs:element>
      <xs:element name="ActorCountPluginResponse">
        <xs:complexType>
          <xs:sequence>
            <xs:element minOccurs="0" name="State" type="tns:ResponseStateWS"/>
            <xs:element minOccurs="0" name="IsOk" type="xs:boolean"/>
            <xs:element minOccurs="0" name="UserExplanation" nillable="true" type="xs:string"/>
            <xs:element minOccurs="0" name="TechExplanation" nillable="true" type="xs:string"/>
            <xs:element minOccurs="0" name="ErrorCode" nillable="true" type="xs:string"/>
            <xs:element minOccurs="0" name="Count" type="xs:int"/>
          </xs:sequence>
        </xs:complexType>
      </xs:element>
`,
  )
  wsdl = insertBefore(
    wsdl,
    '  <wsdl:portType name="IErpConnectorWS">',
    `  <wsdl:message name="GetActorCountRequest">
    <wsdl:part name="parameters" element="tns:GetActorCountRequest"/>
  </wsdl:message>
  <wsdl:message name="ActorCountPluginResponse">
    <wsdl:part name="parameters" element="tns:ActorCountPluginResponse"/>
  </wsdl:message>
`,
  )
  wsdl = insertBefore(
    wsdl,
    '  </wsdl:portType>',
    `    <wsdl:operation name="WSGetActorCount">
      <wsdl:input wsaw:Action="${ACTION}" message="tns:GetActorCountRequest"/>
      <wsdl:output wsaw:Action="${ACTION}Response" message="tns:ActorCountPluginResponse"/>
    </wsdl:operation>
`,
  )
  return insertBefore(
    wsdl,
    '  </wsdl:binding>',
    `    <wsdl:operation name="WSGetActorCount">
      <soap:operation soapAction="${ACTION}" style="document"/>
      <wsdl:input>
        <soap:body use="literal"/>
      </wsdl:input>
      <wsdl:output>
        <soap:body use="literal"/>
      </wsdl:output>
    </wsdl:operation>
`,
  )
}

/**
 * The connector method, as its author writes it: typed by the copy's ErpConnector, which now has getActorCount.
 * It counts what the saved connection's configuration says, so the answer shows the stored connection reached it.
 * The second connector's method returns the wrong type: the compiler must refuse it.
 */
const CONNECTOR_SOURCE = `import type { ErpConnector } from './src/connector/connector.js'

export const counting = {
  name: 'Counting',
  async getActorCount(ctx, { connection, ActorType }) {
    ctx.log.debug({ ActorType }, 'counting')
    const count = connection.config.get(ActorType)
    if (count === 'none') return {}
    return { Count: Number(count ?? 0) }
  },
} satisfies ErpConnector

export const mistyped = {
  name: 'Mistyped',
  // @ts-expect-error Count is an xs:int in the WSDL, so a number
  getActorCount: async () => ({ Count: 'many' }),
} satisfies ErpConnector
`

const scratch = path.join(PROJECT_ROOT, `.codegen-newop-${process.pid}`)
mkdirSync(path.join(scratch, 'wsdl'), { recursive: true })
mkdirSync(path.join(scratch, 'generated'))
t.teardown(() => rmSync(scratch, { recursive: true, force: true }))
const wsdl = wsdlWithActorCount()
const wsdlRelative = path.relative(PROJECT_ROOT, path.join(scratch, 'wsdl', NAME))
writeFileSync(path.join(PROJECT_ROOT, wsdlRelative), wsdl)
for (const [name, text] of await generate(wsdlRelative)) writeFileSync(path.join(scratch, 'generated', name), text)
cpSync(path.join(PROJECT_ROOT, 'src'), path.join(scratch, 'src'), { recursive: true })
writeFileSync(path.join(scratch, 'counting-connector.ts'), CONNECTOR_SOURCE)

t.test('the connector method type-checks against the unchanged src/ and the regenerated contract', async (t) => {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(PROJECT_ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!
  const program = ts.createProgram([path.join(scratch, 'counting-connector.ts')], config.options)
  const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => PROJECT_ROOT, getNewLine: () => '\n' }
  t.same(ts.getPreEmitDiagnostics(program).map((d) => ts.formatDiagnostic(d, host)), [], 'no errors, and the wrongly typed Count is refused')
})

t.test('the unchanged host serves the new operation over HTTP', async (t) => {
  const scratchModule = <M>(file: string) => import(path.join(scratch, file)) as Promise<M>
  const { createConnectorHost } = await scratchModule<typeof import('../../src/connector/host.js')>('src/connector/host.ts')
  const { soapPlugin } = await scratchModule<typeof import('../../src/soap/plugin.js')>('src/soap/plugin.ts')
  const { SqlConnectionStore } = await scratchModule<typeof import('../../src/connections/sql-store.js')>('src/connections/sql-store.ts')
  const { ErpConnectorWS } = (await scratchModule<{ ErpConnectorWS: { operations: Record<string, unknown> } }>('generated/service.ts'))
  const { counting } = await scratchModule<{ counting: { name: string } }>('counting-connector.ts')
  t.ok('WSGetActorCount' in ErpConnectorWS.operations, 'the generated service has the operation')

  const testDatabase = await createTestDatabase()
  t.teardown(() => testDatabase.drop())
  const store = new SqlConnectionStore(testDatabase.database)
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(soapPlugin, { path: '/ErpConnectorWS.svc', service: ErpConnectorWS as never, wsdl, ...createConnectorHost({ connectors: [counting as never], store }) })
  const origin = await app.listen({ port: 0, host: '127.0.0.1' })
  const endpoint = `${origin}/ErpConnectorWS.svc`

  const served = await get(`${endpoint}?wsdl`)
  t.match(served.text, /<wsdl:operation name="WSGetActorCount">/, 'the WSDL served names the operation')

  const guid = randomUUID()
  const saved = await call(endpoint, 'WSSaveConnection', body.save(guid, [['Customer', '42'], ['Person', 'none']]))
  t.equal(child(saved, 'State').text, 'Ok', 'the connection is saved by the host alone (no saveConnection method)')

  const count = (type: string, connectionGuid = guid) =>
    call(endpoint, 'WSGetActorCount', `<GetActorCountRequest xmlns="${TNS}"><ConnectionGuid>${connectionGuid}</ConnectionGuid><ActorType>${type}</ActorType></GetActorCountRequest>`)
  const outcome = (response: Awaited<ReturnType<typeof count>>) => ['State', 'IsOk', 'ErrorCode'].map((part) => child(response, part).text)

  const customers = await count('Customer')
  t.same([customers.name, customers.ns], ['ActorCountPluginResponse', TNS])
  t.same(names(customers), [...BASE_PARTS, 'Count'], 'the result base, then the payload')
  t.same(outcome(customers), ['Ok', 'true', ''])
  t.equal(child(customers, 'Count').text, '42', "the count the stored connection's configuration gives")

  const persons = await count('Person')
  t.same(outcome(persons), ['Ok', 'true', ''])
  t.equal(child(persons, 'Count').text, '0', 'a Count left out is .NET default for an int, from the generated table')

  const planets = await count('Planet')
  t.same(outcome(planets), ['Error', 'false', 'INVALID_REQUEST'], 'the ActorType rule applies to the new operation too')
  t.match(child(planets, 'UserExplanation').text, /"Planet" is not an actor type SuperOffice knows/)
  t.equal(child(planets, 'Count').text, '0', 'an int payload cannot be nil: on Error it is .NET default, as WCF writes it')

  const unknown = await count('Customer', randomUUID())
  t.same(outcome(unknown), ['Error', 'false', 'UNKNOWN_CONNECTION_ID'], 'the GUID is looked up in the connection store')

  const actors = await call(endpoint, 'WSGetActors', body.get(guid, 'Customer', ['1'], ['NAME']))
  t.same(outcome(actors), ['Error', 'false', 'NOT_SUPPORTED'], 'an existing operation the connector lacks is not supported')
  t.match(child(actors, 'UserExplanation').text, /The Counting connector does not support WSGetActors/)
})
