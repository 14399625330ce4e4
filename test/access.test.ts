// What a caller without the access token learns and can do: /healthz says only ok or not; with ACCESS_TOKENS set,
// the endpoint answers only under /<token>/ErpConnectorWS.svc (any of several tokens), everything else is a plain 404
// that is logged without the token, and repeated failures from one address are answered more and more slowly.
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import soap from 'soap'
import t from 'tap'
import { ENDPOINT_PATH } from '../src/server.js'
import { startTestServer } from './helpers/server.js'
import { action, child, fixture, get, payload, post } from './helpers/soap.js'

const TOKEN = randomBytes(32).toString('hex')
/** A second token, for rotation; mixed case, which the (case-insensitive) router must keep as it is. */
const NEXT_TOKEN = randomBytes(32).toString('base64url')
const lines: string[] = []
const logger = { level: 'info', stream: { write: (line: string) => void lines.push(line) } }
const guarded = await startTestServer({ accessTokens: [TOKEN, NEXT_TOKEN], logger })
const open = await startTestServer({ testDatabase: guarded.testDatabase })
t.teardown(async () => {
  await open.app.close()
  await guarded.close()
})

const from = (address: string) => new http.Agent({ localAddress: address } as http.AgentOptions)
const getConfigData = (url: string, agent?: http.Agent) => post(url, fixture('WSGetConfigData'), { soapaction: action('WSGetConfigData') }, agent)


t.test('/healthz says ok, and nothing about where the data lives', async (t) => {
  for (const server of [open, guarded]) {
    const answer = await get(`${server.origin}/healthz`)
    t.equal(answer.status, 200)
    t.same(JSON.parse(answer.text), { status: 'ok' })
    t.notMatch(answer.text, /postgres|location|127\.0\.0\.1|\//)
  }
})

t.test('with tokens set, the endpoint answers under any of them, in any path case', async (t) => {
  for (const token of [TOKEN, NEXT_TOKEN]) {
    const answer = await getConfigData(`${guarded.origin}/${token}${ENDPOINT_PATH}`)
    t.equal(answer.status, 200)
    t.equal(child(payload(answer.text), 'State').text, 'Ok')
  }
  const lower = await getConfigData(`${guarded.origin}/${TOKEN}${ENDPOINT_PATH.toLowerCase()}`)
  t.equal(lower.status, 200, 'the path after the token is matched case-insensitively, as before')
})

t.test('the WSDL of the token path keeps the token and ?ConnectorName=, and a SOAP toolkit calls through it', async (t) => {
  const base = `${guarded.origin}/${NEXT_TOKEN}${ENDPOINT_PATH}`
  const wsdl = await get(`${base}?ConnectorName=Memory&wsdl`)
  t.equal(wsdl.status, 200)
  t.equal(/<soap:address location="([^"]*)"/.exec(wsdl.text)?.[1], `${base}?ConnectorName=Memory`)
  const single = await get(`${base}?singleWsdl`)
  t.equal(/<soap:address location="([^"]*)"/.exec(single.text)?.[1], base)
  const client = await soap.createClientAsync(`${base}?ConnectorName=Memory&wsdl`)
  const [config] = await client.WSGetConfigDataAsync({})
  t.equal(config.State, 'Ok', 'node-soap calls the address the WSDL gives')
  t.match((await get(base)).text, `${base}?wsdl`)
  t.match((await get(`${base}?ConnectorName=Memory`)).text, `${base}?ConnectorName=Memory&wsdl`)
})

t.test('a missing or wrong token gets a plain 404, logged with the address and never the token', async (t) => {
  lines.length = 0
  const flip = (token: string) => token.slice(0, -1) + (token.endsWith('0') ? '1' : '0')
  const refused: Array<[string, string]> = [
    ['no token', `${guarded.origin}${ENDPOINT_PATH}`],
    ['no token, ?wsdl', `${guarded.origin}${ENDPOINT_PATH}?wsdl`],
    ['a wrong token', `${guarded.origin}/${flip(TOKEN)}${ENDPOINT_PATH}`],
    ['the token in another case', `${guarded.origin}/${TOKEN.toUpperCase()}${ENDPOINT_PATH}`],
    ['the token cut short', `${guarded.origin}/${TOKEN.slice(0, 32)}${ENDPOINT_PATH}`],
    ['the token with a tail', `${guarded.origin}/${TOKEN}x${ENDPOINT_PATH}`],
  ]
  for (const [what, url] of refused) {
    const answer = url.includes('wsdl') ? await get(url) : await getConfigData(url, from('127.0.0.4'))
    t.equal(answer.status, 404, what)
    t.notMatch(answer.text, /token|ErpConnector|Envelope/i, `${what}: no detail`)
  }
  const big = await post(`${guarded.origin}/${flip(TOKEN)}${ENDPOINT_PATH}`, Buffer.alloc(8 * 1024 * 1024, 'x'), { soapaction: action('WSGetConfigData') })
  t.equal(big.status, 404, 'a large body with a wrong token is answered too')
  t.equal((await getConfigData(`${open.origin}/${TOKEN}${ENDPOINT_PATH}`)).status, 404, 'without tokens set, a token path does not exist')

  const warnings = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.level === 40)
  t.ok(warnings.length >= refused.length, `${warnings.length} warnings logged`)
  t.match(warnings.find((w) => w.remoteAddress === '127.0.0.4'), { msg: /access token (missing|wrong)/, failures: Number })
  for (const secret of [TOKEN, NEXT_TOKEN, TOKEN.toUpperCase(), TOKEN.slice(0, 32)]) {
    t.notOk(lines.some((line) => line.includes(secret)), 'no token in the log')
  }
})

t.test('repeated failures from one address are answered more and more slowly; other addresses are not', async (t) => {
  const wrong = `${guarded.origin}/${'0'.repeat(64)}${ENDPOINT_PATH}`
  const right = `${guarded.origin}/${TOKEN}${ENDPOINT_PATH}`
  const attacker = from('127.0.0.2')
  const timed = async (url: string, agent: http.Agent) => {
    const started = performance.now()
    const answer = await getConfigData(url, agent)
    return { status: answer.status, ms: performance.now() - started }
  }
  const first = [await timed(wrong, attacker), await timed(wrong, attacker), await timed(wrong, attacker)]
  t.same(first.map((a) => a.status), [404, 404, 404])
  const baseline = first.map((a) => a.ms).sort((a, b) => a - b)[1]!
  const later: number[] = []
  for (let i = 0; i < 4; i++) later.push((await timed(wrong, attacker)).ms)
  t.ok(later[3]! > later[0]!, `each failure waits longer: ${later.map((ms) => ms.toFixed(0)).join(', ')} ms`)
  t.ok(later[3]! > 10 * baseline, `the 7th failure took ${later[3]!.toFixed(0)} ms, more than 10x the median of the first ones (${baseline.toFixed(1)} ms)`)

  // While the 8th failure waits, other callers are answered at once.
  let eighthDone = false
  const eighth = timed(wrong, attacker).then((answer) => ((eighthDone = true), answer))
  const bystander = await timed(wrong, from('127.0.0.3'))
  const owner = await timed(right, from('127.0.0.5'))
  t.equal(bystander.status, 404)
  t.equal(owner.status, 200)
  t.notOk(eighthDone, 'another address failing, and a caller with the token, were answered before the slowed one')
  t.equal((await eighth).status, 404)

  // The token from that address is served at once and clears its failures.
  const served = await timed(right, attacker)
  t.equal(served.status, 200)
  const afterwards = await timed(wrong, attacker)
  t.ok(afterwards.ms < later[3]!, 'after a success, the count starts over')
})
