// The conformance kit passes every connector this server ships, and names each mistake of a broken one: the
// broken connectors are this server behind a proxy that rewrites its answers the way a faulty handler would.
import { execFile } from 'node:child_process'
import http from 'node:http'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { runConformance } from '../../src/conformance/kit.js'
import { createMemoryConnector } from '../../src/connectors/memory.js'
import { createExcelConnector } from '../../src/connectors/excel/connector.js'
import { PROJECT_ROOT } from '../../src/server.js'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { startTestServer } from '../helpers/server.js'

const workbooks = mkdtempSync(path.join(tmpdir(), 'erp-kit-'))
const server = await startTestServer({ connectors: [createExcelConnector({ workbooksDir: workbooks }), createMemoryConnector()] })
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
  const usage = await run(['not-a-url'])
  t.equal(usage.code, 2)
  t.match(usage.stderr, /is not an http\(s\) URL/)
})
