// HTTPS built in: a real TLS client that trusts only the test's own CA, and a renewed certificate served without a
// restart, whether the files change or the server is told to reload; a half-written renewal keeps the old one.
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import net from 'node:net'
import type { TLSSocket } from 'node:tls'
import path from 'node:path'
import t from 'tap'
import { loadConfig } from '../src/config.js'
import { readTlsFiles, watchCertificate } from '../src/tls.js'
import { startTestServer } from './helpers/server.js'
import { createTestCa } from './helpers/tls.js'

const ca = createTestCa()
const dir = mkdtempSync(path.join(ca.dir, 'files-'))
const files = { certFile: path.join(dir, 'fullchain.pem'), keyFile: path.join(dir, 'privkey.pem') }
const install = (pair: { cert: string; key: string }) => {
  writeFileSync(files.certFile, pair.cert)
  writeFileSync(files.keyFile, pair.key)
}
const first = ca.issue('first')
install(first)

const logLines: Array<Record<string, unknown>> = []
const server = await startTestServer({
  https: readTlsFiles(files),
  logger: { level: 'info', stream: { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) } },
})
const watch = watchCertificate(server.app.server as unknown as { setSecureContext(options: object): void }, files, server.app.log, { intervalMs: 20 })
const port = new URL(server.origin).port
t.teardown(async () => {
  watch.close()
  await server.close()
  ca.remove()
})

/** GET /healthz over a new TLS connection that trusts only the test CA: the served certificate's serial and the status. */
function healthz(): Promise<{ serial: string; status: number }> {
  return new Promise((resolve, reject) => {
    const request = https.get({ host: '127.0.0.1', port, path: '/healthz', ca: ca.cert, agent: false }, (response) => {
      const serial = (response.socket as TLSSocket).getPeerCertificate().serialNumber
      response.resume()
      response.on('end', () => resolve({ serial, status: response.statusCode ?? 0 }))
    })
    request.on('error', reject)
  })
}

/** Asks until the served serial is `serial`, up to `attempts` times (the watcher polls every 20 ms). */
async function served(serial: string, attempts = 250): Promise<string> {
  let last = ''
  for (let i = 0; i < attempts && last !== serial; i++) {
    last = (await healthz()).serial
    if (last !== serial) await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return last
}

const serialOf = (pem: string) => new X509Certificate(pem).serialNumber

t.test('HTTPS with the configured certificate, verified by a real TLS client', async (t) => {
  const answer = await healthz()
  t.equal(answer.status, 200)
  t.equal(answer.serial, serialOf(first.cert))
  await t.rejects(
    new Promise((resolve, reject) => https.get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, resolve).on('error', reject)),
    /self[- ]signed|unable to (get|verify)/i,
    'a client that does not trust the CA refuses it',
  )
})

t.test('a renewed certificate is served without a restart', async (t) => {
  const renewed = ca.issue('renewed')
  install(renewed)
  t.equal(await served(serialOf(renewed.cert)), serialOf(renewed.cert), 'files changed: the renewal is served')
  t.ok(logLines.some((l) => /TLS certificate reloaded \(.*changed\)/.test(String(l.msg))), 'the reload is logged')

  // A renewal half written: the new certificate with the old key. The current certificate stays.
  const third = ca.issue('third')
  writeFileSync(files.certFile, third.cert)
  t.equal(watch.reload('test'), false, 'a pair that does not fit is not loaded')
  t.ok(logLines.some((l) => /not reloaded \(test\).*not the key of the certificate/.test(String(l.msg))), 'and the reason is logged')
  t.equal((await healthz()).serial, serialOf(renewed.cert), 'the current certificate is still served')
  writeFileSync(files.keyFile, third.key)
  t.equal(watch.reload('SIGHUP'), true, 'once the key is there too, it loads')
  t.equal((await healthz()).serial, serialOf(third.cert))
})

t.test('TLS settings are checked at start', async (t) => {
  t.same(loadConfig({ TLS_CERT_FILE: files.certFile, TLS_KEY_FILE: files.keyFile }).tls, files)
  t.equal(loadConfig({}).tls, undefined)
  t.throws(() => loadConfig({ TLS_CERT_FILE: files.certFile }), /TLS_KEY_FILE is not set: HTTPS needs both/)
  t.throws(() => loadConfig({ TLS_CERT_FILE: files.certFile, TLS_KEY_FILE: path.join(dir, 'nope.pem') }), /TLS_KEY_FILE=".*nope.pem" cannot be read: there is no such file/)
  writeFileSync(path.join(dir, 'other.key'), ca.issue('other').key)
  t.throws(() => loadConfig({ TLS_CERT_FILE: files.certFile, TLS_KEY_FILE: path.join(dir, 'other.key') }), /is not the key of the certificate/)
  t.throws(() => loadConfig({ TLS_CERT_FILE: files.keyFile, TLS_KEY_FILE: files.keyFile }), /are not usable: they are not a PEM certificate chain/)
})

t.test('an HTTPS connection that never starts the TLS handshake is closed after HEADERS_TIMEOUT_MS', async (t) => {
  const strict = await startTestServer({ https: readTlsFiles(files), timeouts: { headersTimeoutMs: 300, requestTimeoutMs: 600, idleTimeoutMs: 300 } })
  t.teardown(() => strict.app.close())
  const closed = await new Promise<boolean>((resolve) => {
    const socket = net.connect(Number(new URL(strict.origin).port), '127.0.0.1')
    socket.on('error', () => undefined)
    socket.on('close', () => {
      clearTimeout(giveUp)
      resolve(true)
    })
    // Node's own default is 120 s; 50 times the configured timeout tells the two apart.
    const giveUp = setTimeout(() => {
      socket.destroy()
      resolve(false)
    }, 50 * 300)
  })
  t.ok(closed, 'the server closed the silent connection')
})
