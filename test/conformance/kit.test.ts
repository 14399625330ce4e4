// The conformance kit passes every connector this server ships, and names each mistake of a broken one: the
// broken connectors are this server behind a proxy that rewrites its answers the way a faulty handler would, and
// for what breaks inside SuperOffice rather than on the wire (the CRM limits), connectors served by this server
// that answer well-formed values SuperOffice cannot store, compare or map.
import { execFile } from 'node:child_process'
import http from 'node:http'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { runConformance } from '../../src/conformance/kit.js'
import { createMemoryConnector, type MemoryConnector } from '../../src/connectors/memory.js'
import { createExcelConnector } from '../../src/connectors/excel/connector.js'
import { PROJECT_ROOT } from '../../src/server.js'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import type { ErpConnector } from '../../src/connector/connector.js'
import { field } from '../../src/connector/fields.js'
import { startTestServer } from '../helpers/server.js'

/** The Memory connector with some of its answers changed, served as `?ConnectorName=name`. */
function memoryThat(name: string, change: (memory: MemoryConnector) => Partial<ErpConnector>): ErpConnector {
  const memory = createMemoryConnector({ name })
  return { ...memory, ...change(memory) }
}

/** The Memory connector answering a Person it created with this LastModified. */
const personLastModified = (name: string, lastModified: string) =>
  memoryThat(name, (memory) => ({
    async createActor(ctx, args) {
      const created = await memory.createActor(ctx, args)
      return created.Actor?.ActorType === 'Person' ? { ...created, Actor: { ...created.Actor, LastModified: lastModified } } : created
    },
  }))

const misbehaving: ErpConnector[] = [
  memoryThat('LongDisplayName', (memory) => ({
    async getSupportedActorTypeFields(ctx, args) {
      const fields = await memory.getSupportedActorTypeFields(ctx, args)
      return { ...fields, FieldMetaDataObjects: fields.FieldMetaDataObjects?.map((f) => (f.FieldKey === 'NAME' ? { ...f, DisplayName: 'N'.repeat(300) } : f)) }
    },
  })),
  memoryThat('NearMiss', (memory) => ({
    async getSupportedActorTypeFields(ctx, args) {
      const fields = await memory.getSupportedActorTypeFields(ctx, args)
      const list = fields.FieldMetaDataObjects ?? []
      if (args.ActorType !== 'Customer') return fields
      return { ...fields, FieldMetaDataObjects: [...list, field('ADDRESS1', { displayName: 'Address', rank: list.length + 1 })] }
    },
  })),
  memoryThat('ShuffledFields', (memory) => {
    const asked = new Map<string, number>()
    return {
      async getSupportedActorTypeFields(ctx, args) {
        const fields = await memory.getSupportedActorTypeFields(ctx, args)
        asked.set(args.ActorType, (asked.get(args.ActorType) ?? 0) + 1)
        return asked.get(args.ActorType) === 1 ? fields : { ...fields, FieldMetaDataObjects: [...(fields.FieldMetaDataObjects ?? [])].reverse() }
      },
    }
  }),
  personLastModified('UnreadableLastModified', 'version 1'),
  personLastModified('NumberLastModified', '103423595'),
  personLastModified('OlderLastModified', '2000-01-01T00:00:00.000Z'),
]

const workbooks = mkdtempSync(path.join(tmpdir(), 'erp-kit-'))
const server = await startTestServer({ connectors: [createExcelConnector({ workbooksDir: workbooks }), createMemoryConnector(), ...misbehaving] })
t.teardown(async () => {
  await server.close()
  rmSync(workbooks, { recursive: true, force: true })
})

async function kit(url: string, config: Record<string, string> = {}, noWrites = false) {
  const lines: string[] = []
  const report = await runConformance({ url, config: new Map(Object.entries(config)), noWrites, timeoutMs: 30_000, print: (line) => lines.push(line) })
  return { report, output: lines.join('\n') }
}

t.test('every connector we ship passes', async (t) => {
  const excel = await kit(server.endpoint, { Filename: 'kit.xlsx' })
  t.equal(excel.report.count('failed'), 0, excel.output)
  t.ok(excel.report.count('passed') > 100, 'the Excel run covers every flow')
  const memory = await kit(`${server.endpoint}?ConnectorName=Memory`)
  t.equal(memory.report.count('failed'), 0, memory.output)
  const readOnly = await kit(server.endpoint, { Filename: 'kit.xlsx' }, true)
  t.equal(readOnly.report.count('failed'), 0, readOnly.output)
  t.notMatch(readOnly.output, /WSCreateActor|WSSaveActors:/, 'read-only mode creates and saves nothing')
  for (const flow of ['1. Admin setup', '2. Metadata', '3. CRM use', '4. Sync', '5. Error semantics']) t.match(excel.output, flow)
})

// What each connector does wrong, the only checks that fail for it, and the report lines that say where.
const overLimits: Array<{ connector: string; config?: Record<string, string>; failures: string[]; warnings?: string[]; lines: RegExp[] }> = [
  {
    connector: 'LongDisplayName',
    failures: ['DisplayName at most 254 characters'],
    lines: [/FAIL {2}DisplayName at most 254 characters\n\s+expected: at most 254 characters.*\n\s+got: +WSGetSupportedActorTypeFields: Customer field NAME: 300 characters, "N{40}…"; WSGetSupportedActorTypeFields: Customer field NAME: 300 characters/],
  },
  {
    connector: 'Memory',
    config: { Comment: 'c'.repeat(1100) },
    failures: ['configuration values at most 1,023 characters'],
    lines: [/FAIL {2}configuration values at most 1,023 characters\n.*\n\s+got: +Comment: 1,100 characters/],
  },
  {
    connector: 'NearMiss',
    failures: [],
    warnings: ['Customer field ADDRESS1 is not mapped automatically'],
    lines: [/WARN {2}Customer field ADDRESS1 is not mapped automatically\n\s+expected: POSTALAD1, the CRM field SuperOffice maps automatically/],
  },
  {
    connector: 'ShuffledFields',
    failures: ['field keys of Customer are the same when asked again', 'field keys of Person are the same when asked again'],
    lines: [/FAIL {2}field keys of Person are the same when asked again\n.*FIRSTNAME, LASTNAME, BIRTHDATE, EMAIL\n\s+got: +EMAIL, BIRTHDATE, LASTNAME, FIRSTNAME/],
  },
  {
    connector: 'UnreadableLastModified',
    failures: ['LastModified is a number or a date-time'],
    lines: [/FAIL {2}LastModified is a number or a date-time\n.*\n\s+got: +WSCreateActor: Person \d+: "version 1"/],
  },
  {
    connector: 'NumberLastModified',
    failures: ['LastModified comparable across actors'],
    lines: [/FAIL {2}LastModified comparable across actors\n.*\n\s+got: +date-time "20\d\d-.*" \(WSCreateActor: Customer \d+\) and number "103423595" \(WSCreateActor: Person \d+\)/],
  },
  {
    connector: 'OlderLastModified',
    failures: ['LastModified of an actor saved later is not less than of one saved earlier'],
    lines: [/FAIL {2}LastModified of an actor saved later is not less than of one saved earlier\n.*\n\s+got: +WSCreateActor: Person \d+: "2000-01-01T00:00:00.000Z", after WSCreateActor: Customer \d+:/],
  },
]

for (const { connector, config, failures, warnings = [], lines } of overLimits) {
  t.test(`CRM limits: ${connector}${config ? ' with a long --config value' : ''} is reported in flow 6`, async (t) => {
    const { report, output } = await kit(`${server.endpoint}?ConnectorName=${connector}`, config)
    const limitsFlow = output.slice(output.indexOf('6. CRM limits'))
    const failed = report.results.filter((r) => r.status === 'failed').map((r) => r.check)
    t.same(failed, failures, 'the failures, and no others', failed.join() === failures.join() ? {} : { output })
    t.same(report.results.filter((r) => r.status === 'warning').map((r) => r.check), warnings, 'the warnings')
    t.ok(report.results.filter((r) => r.status !== 'passed' && r.status !== 'skipped').every((r) => r.flow === '6. CRM limits'), 'reported in flow 6')
    for (const line of lines) t.match(limitsFlow, line)
    t.ok(report.count('passed') > 100, 'every other flow still runs')
  })
}

/** This server, with every answer passed through `rewrite`. */
async function brokenProxy(rewrite: (body: string) => string): Promise<{ url: string; close: () => Promise<void> }> {
  const proxy = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (c: Buffer) => chunks.push(c))
    request.on('end', () => {
      const upstream = http.request(server.endpoint + (request.url?.includes('?') ? request.url.slice(request.url.indexOf('?')) : ''), {
        method: request.method,
        headers: { 'content-type': request.headers['content-type'] ?? '', soapaction: request.headers.soapaction ?? '' },
      })
      upstream.on('response', (answer) => {
        const parts: Buffer[] = []
        answer.on('data', (c: Buffer) => parts.push(c))
        answer.on('end', () => {
          const body = Buffer.from(rewrite(Buffer.concat(parts).toString('utf8')), 'utf8')
          response.writeHead(answer.statusCode ?? 500, { 'content-type': answer.headers['content-type'] ?? 'text/xml', 'content-length': body.length })
          response.end(body)
        })
      })
      upstream.end(Buffer.concat(chunks))
    })
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  const port = (proxy.address() as { port: number }).port
  return { url: `http://127.0.0.1:${port}/ErpConnectorWS.svc`, close: () => new Promise((resolve) => proxy.close(() => resolve())) }
}

// The last number: how many checks must still pass, to show the kit goes on past the failure where it can.
// With the wrong namespace nothing reads, as in SuperOffice, so the connection cannot even be saved.
const breakages: Array<[string, (body: string) => string, RegExp, number?]> = [
  ['wrong part order', (b) => b.replace(/(<State>[^<]*<\/State>)(<IsOk>[^<]*<\/IsOk>)/, '$2$1'), /FAIL {2}\w+: parts in wire order/],
  ['missing State', (b) => b.replace(/<State>[^<]*<\/State>/, ''), /FAIL {2}\w+: State is Ok, OkWithInfo, Warning or Error/],
  ['IsOk=false with State=Ok', (b) => b.replace('<State>Ok</State><IsOk>true</IsOk>', '<State>Ok</State><IsOk>false</IsOk>'), /FAIL {2}\w+: IsOk agrees with State/],
  ['wrong namespace', (b) => b.replace('xmlns="http://www.superoffice.net/EIS/Connector/1.0"', 'xmlns="http://www.superoffice.net/EIS/Connector/1.0/"'), /FAIL {2}\w+: wrapper <\w+> in http:\/\/www\.superoffice\.net\/EIS\/Connector\/1\.0/, 0],
  ['unencoded integer', (b) => b.replace(/<a:Value>\[I:(\d+)\]<\/a:Value>/g, '<a:Value>$1</a:Value>'), /FAIL {2}WSGetActors: field values encoded per field type\n\s+expected: CustNo like \[I:42\]/],
  ['members out of order', (b) => b.replace(/(<ActorType>[^<]*<\/ActorType>)(<ErpKey>[^<]*<\/ErpKey>)/g, '$2$1'), /FAIL {2}\w+: ErpActorWS members in alphabetical order/],
  ['a byte order mark', (b) => '\uFEFF' + b, /FAIL {2}\w+: no byte order mark/],
]

for (const [name, rewrite, reported, minimum = 20] of breakages) {
  t.test(`a connector with ${name} is reported by name`, async (t) => {
    const proxy = await brokenProxy(rewrite)
    t.teardown(proxy.close)
    const { report, output } = await kit(proxy.url, { Filename: 'kit.xlsx' })
    t.ok(report.count('failed') > 0, 'failures are counted')
    t.match(output, reported)
    t.ok(report.count('passed') >= minimum, `the kit goes on past the failures (${report.count('passed')} checks passed)`)
    if (minimum === 0) t.match(output, /skip {2}the rest of the flows {2}\(the connection could not be saved\)/)
  })
}

t.test('the command line: exit status, closing line, --json, bad arguments', async (t) => {
  const run = (args: string[]) =>
    promisify(execFile)(path.join(PROJECT_ROOT, 'node_modules/.bin/tsx'), ['scripts/conformance.ts', ...args], { cwd: PROJECT_ROOT }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    )
  const json = path.join(workbooks, 'report.json')
  const good = await run([`${server.endpoint}?ConnectorName=Memory`, '--json', json])
  t.equal(good.code, 0)
  t.match(good.stdout.trim().split('\n').at(-1), /^\d+ passed, 0 failed$/)
  const broken = await brokenProxy((b) => b.replace('<State>Ok</State><IsOk>true</IsOk>', '<State>Ok</State><IsOk>false</IsOk>'))
  t.teardown(broken.close)
  const bad = await run([`${broken.url}?ConnectorName=Memory`])
  t.equal(bad.code, 1)
  t.match(bad.stdout.trim().split('\n').at(-1), /^\d+ passed, [1-9]\d* failed$/)
  const warned = await run([`${server.endpoint}?ConnectorName=NearMiss`])
  t.equal(warned.code, 0, 'a warning does not fail the run')
  t.match(warned.stdout.trim().split('\n').at(-1), /^\d+ passed, 0 failed, 1 warning$/)
  const usage = await run(['not-a-url'])
  t.equal(usage.code, 2)
  t.match(usage.stderr, /is not an http\(s\) URL/)
})
