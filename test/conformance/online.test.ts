// The kit's CRM Online flow names what a broken Authenticate gets wrong: an unconfigured server, an application
// token signed with the wrong key, and a server that accepts tokens it must refuse.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { runConformance } from '../../src/conformance/kit.js'
import { OnlineAuthenticator } from '../../src/online/authenticate.js'
import { parsePrivateKey, parseSigningKeys } from '../../src/online/keys.js'
import { SigningKeys } from '../../src/online/signing-keys.js'
import { createTestCa } from '../helpers/tls.js'
import { rsaKeyPair } from '../helpers/online.js'
import { startTestServer } from '../helpers/server.js'

const CLIENT_ID = 'kit-app'
const superOffice = rsaKeyPair()
const app = rsaKeyPair()
const trusting = (privateKey = app.privateKey) =>
  new OnlineAuthenticator({ clientIds: [CLIENT_ID], privateKey, keys: new SigningKeys([{ kind: 'file', path: 'test', keys: [{ kid: 'k', key: superOffice.publicKey }] }]) })

let current: OnlineAuthenticator | { authenticate: (token: string | undefined) => Promise<unknown> } = trusting()
const server = await startTestServer({ online: { authenticate: (token: string | undefined) => current.authenticate(token) } as unknown as OnlineAuthenticator })
t.teardown(() => server.close())

async function onlineKit() {
  const lines: string[] = []
  const report = await runConformance({
    url: `${server.endpoint}?ConnectorName=Memory`,
    config: new Map(),
    noWrites: true,
    timeoutMs: 30_000,
    print: (line) => lines.push(line),
    online: { signingKey: superOffice.privateKey, kid: 'k', clientId: CLIENT_ID, appPublicKey: app.publicKey },
  })
  const online = report.results.filter((r) => r.flow.startsWith('0.'))
  return { failed: online.filter((r) => r.status === 'failed').map((r) => r.check), passed: online.filter((r) => r.status === 'passed').length, output: lines.join('\n') }
}

t.test('a good server passes the Online flow', async (t) => {
  current = trusting()
  const run = await onlineKit()
  t.same(run.failed, [], run.output)
  t.equal(run.passed, 15, 'two shapes x four checks, seven refusals')
})

t.test("the README's recipe: the kit's key and an openssl certificate of it for the server to trust", async (t) => {
  const ca = createTestCa()
  t.teardown(() => ca.remove())
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'kit.pem', '-out', 'kit.crt', '-subj', '/CN=conformance-kit', '-days', '7'], { cwd: ca.dir, stdio: 'ignore' })
  const certificate = parseSigningKeys(readFileSync(path.join(ca.dir, 'kit.crt'), 'utf8'))
  current = new OnlineAuthenticator({ clientIds: [CLIENT_ID], privateKey: app.privateKey, keys: new SigningKeys([{ kind: 'file', path: 'kit.crt', keys: certificate }]) })
  const lines: string[] = []
  const report = await runConformance({
    url: `${server.endpoint}?ConnectorName=Memory`,
    config: new Map(),
    noWrites: true,
    timeoutMs: 30_000,
    print: (line) => lines.push(line),
    online: { signingKey: parsePrivateKey(readFileSync(path.join(ca.dir, 'kit.pem'), 'utf8')), clientId: CLIENT_ID, appPublicKey: app.publicKey },
  })
  const online = report.results.filter((r) => r.flow.startsWith('0.'))
  t.same(online.filter((r) => r.status === 'failed'), [], lines.join('\n'))
  t.equal(online.filter((r) => r.status === 'passed').length, 15)
})

t.test('the Online flow names each mistake', async (t) => {
  current = new OnlineAuthenticator(undefined)
  t.same((await onlineKit()).failed, ['message contract: a valid token succeeds', 'wrapped request: a valid token succeeds'], 'unconfigured')
  current = trusting(rsaKeyPair().privateKey)
  t.same(
    (await onlineKit()).failed,
    ["message contract: the application token's signature verifies with the app public key", "wrapped request: the application token's signature verifies with the app public key"],
    'signed with another key',
  )
  const good = trusting()
  current = { authenticate: async () => ({ ...(await good.authenticate(undefined)), Succeeded: true, Reason: null, SignedApplicationToken: 'x.y.z' }) }
  const lax = await onlineKit()
  t.ok(lax.failed.includes('wrong audience: refused with a reason') && lax.failed.includes('alg none: refused with a reason'), 'a server that accepts anything')
  t.ok(lax.failed.includes('message contract: the application token has the nonce and a current timestamp'), 'and answers a token of the wrong form')
})
