/**
 * Certificates made in the test with the openssl CLI: a CA of its own and server certificates it signs for
 * 127.0.0.1, so that a real TLS client can trust exactly what the test made.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

export interface TestCa {
  dir: string
  /** The CA certificate, PEM: what a client trusts. */
  cert: string
  /** A new certificate and key for 127.0.0.1 and localhost, signed by the CA. */
  issue(commonName: string): { cert: string; key: string }
  remove(): void
}

export function createTestCa(): TestCa {
  const dir = mkdtempSync(path.join(tmpdir(), 'erp-tls-'))
  const at = (name: string) => path.join(dir, name)
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', at('ca.key'), '-out', at('ca.crt'), '-days', '2', '-subj', '/CN=erp-connector-ws test CA')
  let serial = 0
  return {
    dir,
    cert: readFileSync(at('ca.crt'), 'utf8'),
    issue(commonName) {
      serial++
      const stem = at(`server-${serial}`)
      writeFileSync(`${stem}.ext`, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n')
      openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${stem}.key`, '-out', `${stem}.csr`, '-subj', `/CN=${commonName}`)
      openssl('x509', '-req', '-in', `${stem}.csr`, '-CA', at('ca.crt'), '-CAkey', at('ca.key'), '-set_serial', String(1000 + serial), '-days', '2', '-extfile', `${stem}.ext`, '-out', `${stem}.crt`)
      return { cert: readFileSync(`${stem}.crt`, 'utf8'), key: readFileSync(`${stem}.key`, 'utf8') }
    },
    remove() {
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
