// Hostile XML over real HTTP to the real server: what no client sends, but anyone on the network can. Each gets a
// fault that names the limit (and its setting), reading stays linear in the request's size so that other calls
// are answered meanwhile, and nothing a request names is kept beyond a fixed number of bytes.
import http from 'node:http'
import t, { type Test } from 'tap'
import { actorsRequest, bigActors, requestsAtTheLimits } from '../../scripts/bench/data.js'
import { sharedNameTableBytes } from '../../src/soap/xml.js'
import { startTestServer } from '../helpers/server.js'
import { action, child, envelope, fault, payload, post, TNS } from '../helpers/soap.js'

const server = await startTestServer()
t.teardown(() => server.close())

const MiB = 1024 * 1024
const TEST_CONNECTION = action('WSTestConnection')
const GET_CONFIG_DATA = action('WSGetConfigData')
const XML_NS = 'http://www.w3.org/XML/1998/namespace'

/** A WSTestConnection request whose RequestBase element carries `attributes` (each with its leading space). */
const onRequestBase = (attributes: string) => envelope(`<RequestBase xmlns="${TNS}"${attributes}><ConnectionGuid>x</ConnectionGuid></RequestBase>`)
/** A WSGetConfigData request (which takes any body) with `header` in its s:Header. */
const withHeader = (header: string) =>
  `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>${header}</s:Header><s:Body><GetConfigData xmlns="${TNS}"/></s:Body></s:Envelope>`
const attributes = (count: number, name = (i: number) => `a${i}`) => Array.from({ length: count }, (_, i) => ` ${name(i)}="v"`).join('')
const declarations = (count: number) => Array.from({ length: count }, (_, i) => ` xmlns:p${i}="urn:p${i}"`).join('')
/** `text` repeated to `bytes` bytes (ASCII), with `seed` first so that every call gives a distinct string. */
const filler = (seed: string, bytes: number) => (seed + 'x'.repeat(bytes)).slice(0, bytes)

async function expectFault(t: Test, body: string, soapaction: string, faultstring: RegExp) {
  const answer = await post(server.endpoint, body, { soapaction })
  t.equal(answer.status, 500, 'HTTP 500')
  const f = fault(answer.text)
  t.equal(f.faultcode, 's:Client')
  t.match(f.faultstring, faultstring)
  t.ok(answer.text.length < 16 * 1024, 'the fault does not echo the request')
}

async function expectAnswered(t: Test, body: string, soapaction: string) {
  const answer = await post(server.endpoint, body, { soapaction })
  t.equal(answer.status, 200, answer.status === 200 ? 'HTTP 200' : answer.text.slice(0, 400))
  t.equal(child(payload(answer.text), 'State').text, soapaction === GET_CONFIG_DATA ? 'Ok' : 'Error')
}

t.test('attributes on one element: up to MAX_ATTRIBUTES (500) read, more refused naming the limit', async (t) => {
  await expectAnswered(t, onRequestBase(attributes(500)), TEST_CONNECTION)
  const tooMany = /more than 500 attributes \(the limit, MAX_ATTRIBUTES\)/
  await expectFault(t, onRequestBase(attributes(501)), TEST_CONNECTION, tooMany)
  // The review's two: 40,000 (380 KiB), and 150,000 (1.5 MiB, under the body limit).
  await expectFault(t, onRequestBase(attributes(40_000)), TEST_CONNECTION, tooMany)
  await expectFault(t, onRequestBase(attributes(150_000)), TEST_CONNECTION, tooMany)
})

t.test('namespace declarations on one element: up to MAX_NAMESPACE_DECLARATIONS (500), more refused', async (t) => {
  await expectAnswered(t, onRequestBase(declarations(499)), TEST_CONNECTION)
  const tooMany = /more than 500 namespace declarations \(the limit, MAX_NAMESPACE_DECLARATIONS\)/
  await expectFault(t, onRequestBase(declarations(501)), TEST_CONNECTION, tooMany)
  await expectFault(t, onRequestBase(declarations(60_000)), TEST_CONNECTION, tooMany)
})

t.test('names and namespace URIs: up to MAX_NAME_LENGTH (4096 bytes) read, longer refused', async (t) => {
  const longest = filler('h', 4096)
  await expectAnswered(t, withHeader(`<${longest} xmlns="urn:${filler('u', 4092)}"/>`), GET_CONFIG_DATA)
  await expectAnswered(t, withHeader(`<h xmlns="urn:h" ${longest}="v"/>`), GET_CONFIG_DATA)
  const tooLong = /longer than 4096 bytes \(the limit, MAX_NAME_LENGTH\)/
  await expectFault(t, withHeader(`<${filler('h', 4097)}/>`), GET_CONFIG_DATA, tooLong)
  await expectFault(t, withHeader(`<h xmlns="urn:h" ${filler('a', 4097)}="v"/>`), GET_CONFIG_DATA, tooLong)
  await expectFault(t, withHeader(`<h xmlns="urn:${filler('u', 4094)}"/>`), GET_CONFIG_DATA, tooLong)
  // As in the review: element names, and namespace URIs, of 3.9 MiB each.
  await expectFault(t, withHeader(`<${filler('big', 3.9 * MiB)}/>`), GET_CONFIG_DATA, tooLong)
  await expectFault(t, withHeader(`<h xmlns:p="urn:${filler('big', 3.9 * MiB)}"/>`), GET_CONFIG_DATA, tooLong)
})

t.test('what is not namespace-well-formed is refused', async (t) => {
  const cases: Array<[string, string, RegExp]> = [
    ['a declaration of no prefix (xmlns:)', ' xmlns:="urn:x"', /"xmlns:" is not a qualified name/],
    ['a prefix with two colons', ' xmlns:a:b="urn:x"', /"xmlns:a:b" is not a qualified name/],
    ['the xml prefix bound to another namespace', ' xmlns:xml="urn:x"', /binds the prefix xml to "urn:x"/],
    ['another prefix bound to the XML namespace', ` xmlns:p="${XML_NS}"`, /binds prefix p to http:\/\/www.w3.org\/XML\/1998\/namespace, which belongs to the prefix xml alone/],
    ['the xmlns prefix declared', ' xmlns:xmlns="urn:x"', /declares the prefix xmlns, which is reserved/],
    ['a prefix bound to the xmlns namespace', ' xmlns:p="http://www.w3.org/2000/xmlns/"', /binds prefix p to http:\/\/www.w3.org\/2000\/xmlns\/, which is reserved/],
    ['two attributes with one expanded name, through two prefixes', ' xmlns:a="urn:x" xmlns:b="urn:x" a:y="1" b:y="2"', /attribute \{urn:x\}y twice, through two prefixes/],
    ['xsi:nil twice, through two prefixes', ' xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns:j="http://www.w3.org/2001/XMLSchema-instance" i:nil="false" j:nil="true"', /nil twice/],
    ['an attribute twice, among many', `${attributes(100)} a50="w"`, /has attribute a50 twice/],
  ]
  for (const [name, attrs, message] of cases) {
    await t.test(name, (t) => expectFault(t, onRequestBase(attrs), TEST_CONNECTION, new RegExp(`not well-formed XML.*${message.source}`)))
  }
  // What the rules allow still reads: xml bound to its own namespace, and one local name in two namespaces.
  await expectAnswered(t, onRequestBase(` xmlns:xml="${XML_NS}" xml:lang="en" xmlns:a="urn:a" xmlns:b="urn:b" a:y="1" b:y="2" y="3"`), TEST_CONNECTION)
})

t.test('the names the reader keeps for all requests stay within a fixed number of bytes', async (t) => {
  // Distinct names and URIs every request: within the limit (read, answered), and far over it (refused).
  for (let i = 0; i < 300; i++) {
    const seed = `n${i}-`
    const body = withHeader(`<${filler(seed, 4000)} xmlns="urn:${filler(seed, 4000)}" ${filler(seed, 300)}="v"/><p${i}:short xmlns:p${i}="urn:${filler(seed, 300)}"/>`)
    const answer = await post(server.endpoint, body, { soapaction: GET_CONFIG_DATA })
    if (answer.status !== 200) t.fail(`request ${i}: HTTP ${answer.status}`)
  }
  const afterAccepted = sharedNameTableBytes()
  for (let i = 0; i < 6; i++) {
    await post(server.endpoint, withHeader(`<${filler(`big${i}-`, 3.9 * MiB)}/>`), { soapaction: GET_CONFIG_DATA })
    await post(server.endpoint, withHeader(`<h xmlns="urn:${filler(`big${i}-`, 3.9 * MiB)}"/>`), { soapaction: GET_CONFIG_DATA })
  }
  const afterRefused = sharedNameTableBytes()
  t.ok(afterAccepted.bytes <= afterAccepted.max, `after 300 requests with distinct long names: ${afterAccepted.bytes} bytes (bound ${afterAccepted.max})`)
  t.ok(afterRefused.bytes <= afterRefused.max, `after 12 with 3.9 MiB names and URIs: ${afterRefused.bytes} bytes`)
  t.ok(afterRefused.max < MiB, 'the bound is small')
})

/** GET /healthz; resolves with its latency in ms. */
function healthz(): Promise<number> {
  const started = process.hrtime.bigint()
  return new Promise((resolve, reject) => {
    http
      .get(`${server.origin}/healthz`, { agent: false }, (response) => {
        response.resume()
        response.on('end', () => resolve(Number(process.hrtime.bigint() - started) / 1e6))
      })
      .on('error', reject)
  })
}

/** The slowest /healthz among those sent, one after another, while `body` was being sent and answered. */
async function healthzDuring(body: Buffer, soapaction: string): Promise<{ slowest: number; status: number }> {
  let answered = false
  const request = post(server.endpoint, body, { soapaction }).finally(() => (answered = true))
  let slowest = 0
  do slowest = Math.max(slowest, await healthz())
  while (!answered)
  return { slowest, status: (await request).status }
}

t.test('/healthz answers promptly while the worst request of each kind is read', async (t) => {
  const near4MiB = 4 * MiB - 4096
  // The baseline: a legitimate request of about the same size, read the same way.
  let actors = Math.floor((near4MiB / Buffer.byteLength(envelope(actorsRequest(bigActors(1000, 10))))) * 1000)
  let normal = Buffer.from(envelope(actorsRequest(bigActors(actors, 10))))
  while (normal.length > near4MiB) normal = Buffer.from(envelope(actorsRequest(bigActors((actors = Math.floor(actors * 0.98)), 10))))
  const attacks: Array<[string, Buffer, string]> = [
    ['150,000 attributes on one element', Buffer.from(onRequestBase(attributes(150_000))), TEST_CONNECTION],
    ['60,000 namespace declarations on one element', Buffer.from(onRequestBase(declarations(60_000))), TEST_CONNECTION],
    ['a 3.9 MiB element name', Buffer.from(withHeader(`<${filler('slow', 3.9 * MiB)}/>`)), GET_CONFIG_DATA],
    ['a 3.9 MiB namespace URI', Buffer.from(withHeader(`<h xmlns="urn:${filler('slow', 3.9 * MiB)}"/>`)), GET_CONFIG_DATA],
    // The largest requests the limits let through: as large as accepted, every element at a limit.
    ...requestsAtTheLimits(near4MiB).map(({ name, xml }): [string, Buffer, string] => [`4 MiB of ${name}`, Buffer.from(xml), GET_CONFIG_DATA]),
  ]

  for (let i = 0; i < 5; i++) await healthz()
  const idle: number[] = []
  for (let i = 0; i < 15; i++) idle.push(await healthz())
  const idleMedian = idle.sort((a, b) => a - b)[7]!
  const baselines: number[] = []
  for (let i = 0; i < 3; i++) {
    const baseline = await healthzDuring(normal, action('WSSaveActors'))
    if (baseline.status !== 200) t.fail(`the baseline request (${actors} actors, ${normal.length} bytes) answered HTTP ${baseline.status}`)
    baselines.push(baseline.slowest)
  }
  const baseline = baselines.sort((a, b) => a - b)[1]!
  // A hostile request may cost a few times what a legitimate one of its size does (attributes cost more per byte
  // than elements); before the limits, the worst cost a thousand times more.
  const allowed = 10 * Math.max(idleMedian, baseline)
  t.comment(`idle /healthz median ${idleMedian.toFixed(1)} ms; during a ${normal.length}-byte WSSaveActors ${baseline.toFixed(1)} ms (median of 3)`)
  for (const [name, body, soapaction] of attacks) {
    const during = await healthzDuring(body, soapaction)
    t.ok(during.slowest < allowed, `${name} (${body.length} bytes, HTTP ${during.status}): /healthz took ${during.slowest.toFixed(1)} ms at most (allowed ${allowed.toFixed(1)})`)
  }
})
