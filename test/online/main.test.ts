// `npm start` set up for CRM Online as the README says: HTTPS from TLS_CERT_FILE/TLS_KEY_FILE, the SUPEROFFICE_*
// settings, and the conformance kit's Online flow (the CLI, as a person runs it) passing against it over TLS
// trusted through the test's own CA; then a renewed certificate served after SIGHUP, without a restart.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import type { TLSSocket } from 'node:tls'
import { promisify } from 'node:util'
import t from 'tap'
import { PROJECT_ROOT } from '../../src/server.js'
import { rsaKeyPair, toRsaXml } from '../helpers/online.js'
import { ensureBuilt, SERVER_COMMAND } from '../helpers/process.js'
import { createTestCa } from '../helpers/tls.js'

const ca = createTestCa()
const dir = mkdtempSync(path.join(tmpdir(), 'erp-online-main-'))
// The embedded PostgreSQL runs as the OS user postgres when the tests run as root: it must reach DATA_DIR inside.
chmodSync(dir, 0o711)
const file = (name: string, text: string) => {
  writeFileSync(path.join(dir, name), text)
  return path.join(dir, name)
}
const CLIENT_ID = 'b6f8e6d1c0a94f5e9b0e3c2d1a0f9e8d'
const superOffice = rsaKeyPair()
const app = rsaKeyPair()
const files = {
  cert: path.join(dir, 'fullchain.pem'),
  key: path.join(dir, 'privkey.pem'),
  appKey: file('app-private.xml', toRsaXml(app.privateKey)),
  appPublic: file('app-public.pem', app.publicKey.export({ format: 'pem', type: 'spki' }) as string),
  superOfficeKey: file('superoffice.pem', superOffice.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string),
  jwks: file('jwks.json', JSON.stringify({ keys: [{ ...superOffice.publicKey.export({ format: 'jwk' }), kid: 'kit-1', use: 'sig', alg: 'RS256' }] })),
  ca: file('ca.pem', ca.cert),
}
const install = (pair: { cert: string; key: string }) => {
  writeFileSync(files.cert, pair.cert)
  writeFileSync(files.key, pair.key)
}
const first = ca.issue('first')
install(first)

const lines: Array<Record<string, unknown>> = []
let server: ChildProcess
await ensureBuilt()
const endpoint = await new Promise<string>((resolve, reject) => {
  server = spawn(SERVER_COMMAND[0]!, SERVER_COMMAND.slice(1), {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      PORT: '0',
      DATA_DIR: path.join(dir, 'data'),
      TLS_CERT_FILE: files.cert,
      TLS_KEY_FILE: files.key,
      SUPEROFFICE_CLIENT_ID: `dev-app-id,${CLIENT_ID}`,
      CONNECTORS: 'excel,memory',
      SUPEROFFICE_PRIVATE_KEY: files.appKey,
      SUPEROFFICE_JWKS: files.jwks,
    },
  })
  server.on('exit', (code) => reject(new Error(`the server exited with ${code}`)))
  createInterface({ input: server.stdout! }).on('line', (line) => {
    const entry = JSON.parse(line) as Record<string, unknown>
    lines.push(entry)
    const ready = /give SuperOffice (\S+)/.exec(String(entry.msg))
    if (ready) resolve(ready[1]!)
  })
  server.stderr!.on('data', (chunk: Buffer) => process.stderr.write(chunk))
})
t.teardown(async () => {
  if (server.exitCode === null) await new Promise((resolve) => server.on('exit', resolve).kill('SIGTERM'))
  rmSync(dir, { recursive: true, force: true })
  ca.remove()
})
const { port } = new URL(endpoint)

function servedSerial(): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path: '/healthz', ca: ca.cert, agent: false }, (response) => {
        resolve((response.socket as TLSSocket).getPeerCertificate().serialNumber)
        response.resume()
      })
      .on('error', reject)
  })
}

t.test('the conformance kit, playing SuperOffice Online over HTTPS, passes', async (t) => {
  t.match(endpoint, /^https:\/\/127\.0\.0\.1:\d+\/ErpConnectorWS\.svc$/, 'the server says to give SuperOffice an https URL')
  const args = ['scripts/conformance.ts', `${endpoint}?ConnectorName=Memory`, '--online-key', files.superOfficeKey, '--client-id', CLIENT_ID.toUpperCase(), '--app-key', files.appPublic, '--online-kid', 'kit-1']
  const run = await promisify(execFile)(path.join(PROJECT_ROOT, 'node_modules/.bin/tsx'), args, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, NODE_EXTRA_CA_CERTS: files.ca },
    timeout: 120_000,
  }).catch((error: { stdout: string; code: number }) => error)
  const output = (run as { stdout: string }).stdout
  t.equal((run as { code?: number }).code ?? 0, 0, output)
  t.match(output, /0\. CRM Online: Authenticate/)
  for (const check of [
    'message contract: a valid token succeeds',
    'wrapped request: a valid token succeeds',
    "message contract: the application token's signature verifies with the app public key",
    'wrong audience: refused with a reason',
    'expired: refused with a reason',
    'signed by another key: refused with a reason',
    'alg none: refused with a reason',
  ]) {
    t.match(output, `ok    ${check}`, check)
  }
  t.match(output, / 0 failed/)
  const answered = lines.filter((l) => l.operation === 'Authenticate')
  t.ok(answered.some((l) => l.succeeded === true && l.tenant === 'Cust00000'), 'successes are logged with the tenant')
  t.ok(answered.some((l) => l.succeeded === false && /Wrong audience/.test(String(l.reason))), 'refusals are logged with the reason')
})

t.test('SIGHUP serves a renewed certificate without a restart', async (t) => {
  t.equal(await servedSerial(), new X509Certificate(first.cert).serialNumber)
  const renewed = ca.issue('renewed')
  install(renewed)
  // To the pid the log lines carry, as the README says.
  process.kill(Number(lines.find((l) => typeof l.pid === 'number')!.pid), 'SIGHUP')
  const expected = new X509Certificate(renewed.cert).serialNumber
  let served = ''
  for (let i = 0; i < 100 && served !== expected; i++) {
    await new Promise((resolve) => setTimeout(resolve, 30))
    served = await servedSerial()
  }
  t.equal(served, expected, 'the renewed certificate is served')
  t.ok(lines.some((l) => /TLS certificate reloaded/.test(String(l.msg))), 'and the reload is logged')
  t.equal(server.exitCode, null, 'by the same process')
})
