// CRM Online's Authenticate handshake over real HTTP, with SuperOffice's signing keys served as a JWKS over real
// HTTPS on loopback, and every key made in the test.
import type { KeyObject } from 'node:crypto'
import t from 'tap'
import { checkApplicationToken, parsePrivateKey } from '../../src/online/keys.js'
import { NOT_CONFIGURED, OnlineAuthenticator } from '../../src/online/authenticate.js'
import { SigningKeys, type KeyFetchOptions } from '../../src/online/signing-keys.js'
import { rsaKeyPair, startKeyProvider, superOfficeToken, toRsaXml, unsignedToken } from '../helpers/online.js'
import { startTestServer } from '../helpers/server.js'
import { envelope, fault, names, payload, post, SOAP_ENV } from '../helpers/soap.js'
import { createTestCa } from '../helpers/tls.js'
import type { XmlElement } from '../../src/soap/xml.js'

const CLIENT_ID = 'a1b2c3d4e5f6Example'
const SUPERID_NS = 'http://www.superoffice.com/superid/connectorauth/0.1'
const CONTRACTS_NS = 'http://schemas.datacontract.org/2004/07/SuperOffice.SuperID.Contracts.V1'
const ACTION = `"${SUPERID_NS}/IIntegrationServiceConnectorAuth/Authenticate"`

const ca = createTestCa()
const provider = await startKeyProvider(ca)
const superOffice = rsaKeyPair()
provider.publish('so-1', superOffice.publicKey)
const app = rsaKeyPair()
// The application's key as the Developer Portal hands it out.
const appKey = parsePrivateKey(toRsaXml(app.privateKey))

const logLines: Array<Record<string, unknown>> = []
/** What answers Authenticate; each test puts in the one it needs. */
let current = authenticator()
const server = await startTestServer({
  online: { authenticate: (token: string | undefined) => current.authenticate(token) } as unknown as OnlineAuthenticator,
  logger: { level: 'info', stream: { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) } },
})
t.teardown(async () => {
  await server.close()
  await provider.close()
  ca.remove()
})

function authenticator(keys = new SigningKeys([{ kind: 'url', url: provider.openIdUrl }], { ca: ca.cert })): OnlineAuthenticator {
  return new OnlineAuthenticator({ clientIds: ['other-app', CLIENT_ID], privateKey: appKey, keys })
}

const token = (claims: Record<string, unknown> = {}, options: { key?: KeyObject; kid?: string; header?: Record<string, unknown> } = {}) =>
  superOfficeToken(options.key ?? superOffice.privateKey, { kid: options.kid ?? 'so-1', clientId: CLIENT_ID, claims, header: options.header })

const shapes = {
  message: (jwt: string) => envelope(`<AuthenticationRequest xmlns="${SUPERID_NS}"><SignedToken>${jwt}</SignedToken></AuthenticationRequest>`),
  wrapped: (jwt: string) =>
    envelope(`<Authenticate xmlns="${SUPERID_NS}"><request xmlns:a="${CONTRACTS_NS}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><a:SignedToken>${jwt}</a:SignedToken></request></Authenticate>`),
  header: (jwt: string) =>
    `<s:Envelope xmlns:s="${SOAP_ENV}"><s:Header><h:SignedToken xmlns:h="${SUPERID_NS}">${jwt}</h:SignedToken></s:Header><s:Body><AuthenticationRequest xmlns="${SUPERID_NS}"/></s:Body></s:Envelope>`,
}

interface Answer {
  wrapper: XmlElement
  members: XmlElement
  succeeded: boolean
  reason: string | null
  applicationToken: string | null
  ms: number
}

async function authenticate(body: string, soapAction = ACTION): Promise<Answer> {
  const started = process.hrtime.bigint()
  const answer = await post(server.endpoint, body, { soapaction: soapAction })
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  if (answer.status !== 200) throw new Error(`HTTP ${answer.status}: ${answer.text}`)
  const wrapper = payload(answer.text)
  const members = wrapper.name === 'AuthenticateResponse' ? wrapper.children[0]! : wrapper
  const member = (name: string) => members.children.find((c) => c.name === name)
  const value = (name: string) => (member(name)?.nil ? null : member(name)?.text ?? null)
  return { wrapper, members, succeeded: value('Succeeded') === 'true', reason: value('Reason'), applicationToken: value('SignedApplicationToken'), ms }
}

const nonceOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()).nonce as string

t.test('a valid token, in each wire shape, gets an application token that verifies with the app public key', async (t) => {
  for (const [shape, build] of Object.entries(shapes)) {
    const jwt = await token()
    const answer = await authenticate(build(jwt))
    t.equal(answer.succeeded, true, `${shape}: Succeeded`)
    t.equal(answer.reason, null, `${shape}: no Reason`)
    t.equal(checkApplicationToken(answer.applicationToken ?? '', nonceOf(jwt), app.publicKey), undefined, `${shape}: nonce, timestamp and signature check out`)
    t.same(names(answer.members), ['Reason', 'SignedApplicationToken', 'Succeeded'], `${shape}: members in order`)
    if (shape === 'wrapped') {
      t.match(answer.wrapper, { name: 'AuthenticateResponse', ns: SUPERID_NS })
      t.match(answer.members, { name: 'AuthenticateResult', ns: SUPERID_NS })
      t.ok(answer.members.children.every((c) => c.ns === CONTRACTS_NS), 'wrapped: members in the request members namespace')
    } else {
      t.match(answer.wrapper, { name: 'AuthenticationResponse', ns: SUPERID_NS })
      t.ok(answer.members.children.every((c) => c.ns === SUPERID_NS), `${shape}: members in the request namespace`)
    }
  }
  const otherNs = await authenticate(shapes.message(await token()).replaceAll(SUPERID_NS, 'urn:elsewhere'), '"urn:elsewhere/IAuth/Authenticate"')
  t.match(otherNs.wrapper, { name: 'AuthenticationResponse', ns: 'urn:elsewhere' }, "answered in the request's own namespace")
  const upper = await authenticate(shapes.message(await token({ aud: `SPN:${CLIENT_ID.toUpperCase()}` })))
  t.equal(upper.succeeded, true, 'the audience compares case-insensitively')
  const now = Math.floor(Date.now() / 1000)
  const late = await authenticate(shapes.message(await token({ nbf: now - 400, iat: now - 340, exp: now - 30 })))
  t.equal(late.succeeded, true, 'expired 30 s ago: within the 60 s allowed for clock difference')
  const noAction = await authenticate(shapes.wrapped(await token()), '')
  t.equal(noAction.succeeded, true, 'without SOAPAction, the body element routes the call')
  t.equal(checkApplicationToken('x.202601010000.abc', 'x', app.publicKey), 'its timestamp 202601010000 is more than 15 minutes from now (' + new Date().toISOString().replace(/[-T:]/g, '').slice(0, 12) + ' UTC)', 'the checker refuses an old timestamp')
})

t.test('bad tokens are refused with a reason, never a fault', async (t) => {
  const now = Math.floor(Date.now() / 1000)
  const intruder = rsaKeyPair()
  const cases: Array<[string, string, RegExp]> = [
    ['wrong audience', await token({ aud: 'spn:someone-else' }), /^Wrong audience.*someone-else/],
    ['wrong issuer', await token({ iss: 'Evil Corp' }), /^Wrong issuer/],
    ['expired', await token({ nbf: now - 1200, iat: now - 1200, exp: now - 600 }), /^Token expired/],
    ['not yet valid', await token({ nbf: now + 600, iat: now + 600, exp: now + 900 }), /^Token not yet valid/],
    ['another key', await token({}, { key: intruder.privateKey }), /signature does not verify/],
    ['alg none', unsignedToken({ iss: 'SuperOffice AS', aud: `spn:${CLIENT_ID}`, nonce: 'AB', exp: now + 300 }), /only RS256/],
    ['HS256', await token({}, { header: { alg: 'HS256' } }).catch(() => 'eyJhbGciOiJIUzI1NiJ9.eyJub25jZSI6IkFCIn0.c2ln'), /only RS256/],
    ['malformed', 'not.a.jwt', /not a JWT/],
    ['garbage', '%%%', /not a JWT/],
    ['empty', '', /no SignedToken/],
    ['no nonce', await token({ nonce: undefined }), /nonce/],
  ]
  for (const [name, jwt, reason] of cases) {
    const answer = await authenticate(shapes.message(jwt))
    t.equal(answer.succeeded, false, `${name}: refused`)
    t.match(answer.reason, reason, `${name}: says why`)
    t.equal(answer.applicationToken, null, `${name}: no application token`)
  }
})

t.test('unconfigured: refused with a reason', async (t) => {
  const before = current
  current = new OnlineAuthenticator(undefined)
  t.teardown(() => void (current = before))
  const answer = await authenticate(shapes.wrapped(await token()))
  t.equal(answer.succeeded, false)
  t.equal(answer.reason, NOT_CONFIGURED)
})

t.test('a key rotated in is fetched once; an unknown kid makes exactly one refresh', async (t) => {
  current = authenticator()
  t.equal((await authenticate(shapes.message(await token()))).succeeded, true, 'warm')
  const rotated = rsaKeyPair()
  provider.publish('so-2', rotated.publicKey)
  let before = provider.jwksRequests
  const answers = await Promise.all([1, 2, 3].map(async () => authenticate(shapes.message(await token({}, { key: rotated.privateKey, kid: 'so-2' })))))
  t.ok(answers.every((a) => a.succeeded), 'the rotated key verifies')
  t.equal(provider.jwksRequests - before, 1, 'three calls naming the new key made one fetch')

  current = authenticator()
  await authenticate(shapes.message(await token()))
  before = provider.jwksRequests
  const ghost = await authenticate(shapes.message(await token({}, { kid: 'ghost' })))
  t.equal(ghost.succeeded, false)
  t.match(ghost.reason, /kid "ghost".*not among SuperOffice's published keys/)
  await authenticate(shapes.message(await token({}, { kid: 'ghost' })))
  t.equal(provider.jwksRequests - before, 1, 'an unknown kid, twice, made exactly one refresh')
})

t.test('a JWKS that is down or slow: refused with a reason within a bounded time, then backed off', async (t) => {
  const options: KeyFetchOptions = { ca: ca.cert, timeoutMs: 300, backoffMs: 60_000 }
  current = authenticator(new SigningKeys([{ kind: 'url', url: provider.openIdUrl }], options))
  const baseline: number[] = []
  for (let i = 0; i < 5; i++) baseline.push((await authenticate(shapes.message(await token()))).ms)
  const median = baseline.sort((a, b) => a - b)[2]!
  t.teardown(() => void (provider.mode = 'ok'))

  for (const mode of ['down', 'slow'] as const) {
    provider.mode = mode
    current = authenticator(new SigningKeys([{ kind: 'url', url: provider.openIdUrl }], options))
    const first = await authenticate(shapes.message(await token()))
    t.equal(first.succeeded, false, `${mode}: refused`)
    t.match(first.reason, mode === 'down' ? /could not be fetched.*HTTP 503.*tries again in \d+ s/ : /could not be fetched.*no answer within 300 ms/, `${mode}: says why`)
    t.ok(first.ms < 3 * 300 + 20 * median, `${mode}: answered in ${first.ms.toFixed(0)} ms (fetch limit 300 ms, a good call ${median.toFixed(1)} ms)`)
    provider.mode = 'ok'
    const again = await authenticate(shapes.message(await token()))
    t.equal(again.succeeded, false, `${mode}: still refused while backing off, though the provider is back`)
    t.ok(again.ms < 20 * median + 100, `${mode}: backing off costs the call no fetch (${again.ms.toFixed(1)} ms)`)
  }
  const closed = new SigningKeys([{ kind: 'url', url: 'https://127.0.0.1:1/jwks' }], options)
  current = authenticator(closed)
  const refused = await authenticate(shapes.message(await token()))
  t.match(refused.reason, /could not be fetched from https:\/\/127\.0\.0\.1:1\/jwks \(connect ECONNREFUSED/, 'a closed port: refused with the reason')
})

t.test('an unrecognised request shape is answered and logged once, at warn, token redacted', async (t) => {
  current = authenticator()
  const jwt = await token()
  const odd = envelope(`<Authenticate xmlns="${SUPERID_NS}"><token><SignedToken>${jwt}</SignedToken></token></Authenticate>`)
  const first = await authenticate(odd)
  await authenticate(odd)
  t.equal(first.succeeded, true, 'the token is found by name')
  const warnings = logLines.filter((l) => /Unrecognised Authenticate request/.test(String(l.msg)))
  t.equal(warnings.length, 1, 'logged once')
  t.equal(warnings[0]?.level, 40, 'at warn level')
  t.match(String(warnings[0]?.request), /<token><SignedToken>\[redacted, \d+ characters\]<\/SignedToken><\/token>/, 'verbatim, token redacted')
  t.notMatch(JSON.stringify(logLines), jwt.split('.')[2]!, 'no token in any log line')
  t.notOk(logLines.some((l) => /Unrecognised/.test(String(l.msg)) && l !== warnings[0]), 'known shapes are not reported')
})

t.test('other unknown actions still get the ActionNotSupported fault', async (t) => {
  const answer = await post(server.endpoint, envelope('<Other xmlns="urn:x"/>'), { soapaction: '"urn:x/IOther/Other"' })
  t.equal(answer.status, 500)
  t.equal(fault(answer.text).faultcode, 'a:ActionNotSupported')
  const malformed = await post(server.endpoint, '<s:Envelope', { soapaction: ACTION })
  t.equal(fault(malformed.text).faultcode, 's:Client', 'a malformed Authenticate envelope is a client fault')
})
