/**
 * Playing SuperOffice's authorization service in tests: its signing keys published as a JWKS (and an OpenID
 * configuration) over real HTTPS on loopback, and the tokens it signs.
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { SignJWT, type JWTPayload } from 'jose'
import type { TestCa } from './tls.js'

export interface KeyProvider {
  /** The OpenID configuration's URL. */
  openIdUrl: string
  jwksUrl: string
  /** Requests for the JWKS so far. */
  jwksRequests: number
  /** `ok` answers; `down` answers 503; `slow` never answers. */
  mode: 'ok' | 'down' | 'slow'
  publish(kid: string, key: KeyObject): void
  close(): Promise<void>
}

export async function startKeyProvider(ca: TestCa): Promise<KeyProvider> {
  const { cert, key } = ca.issue('127.0.0.1')
  const published = new Map<string, KeyObject>()
  const hanging = new Set<import('node:http').ServerResponse>()
  const server = https.createServer({ cert, key }, (request, response) => {
    if (request.url === '/jwks') provider.jwksRequests++
    if (provider.mode === 'slow') {
      hanging.add(response)
      return
    }
    if (provider.mode === 'down') return response.writeHead(503).end('down for maintenance')
    const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
    const body =
      request.url === '/.well-known/openid-configuration'
        ? { issuer: 'SuperOffice AS', jwks_uri: `${base}/jwks` }
        : { keys: [...published].map(([kid, k]) => ({ ...k.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' })) }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
  const provider: KeyProvider = {
    openIdUrl: `${base}/.well-known/openid-configuration`,
    jwksUrl: `${base}/jwks`,
    jwksRequests: 0,
    mode: 'ok',
    publish(kid, publicKey) {
      published.set(kid, publicKey)
    },
    close() {
      for (const response of hanging) response.destroy()
      server.closeAllConnections()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
  return provider
}

export function rsaKeyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('rsa', { modulusLength: 2048 })
}

/** A nonce as SuperOffice makes them: 32 upper-case hex digits. */
export function nonce(): string {
  return randomBytes(16).toString('hex').toUpperCase()
}

/** A SignedToken as SuperOffice's authorization service signs it; `claims` and `header` override the defaults. */
export async function superOfficeToken(
  key: KeyObject,
  options: { kid?: string | undefined; clientId: string; claims?: JWTPayload; header?: Record<string, unknown>; issuedAt?: number },
): Promise<string> {
  const now = options.issuedAt ?? Math.floor(Date.now() / 1000)
  const claims: JWTPayload = {
    iss: 'SuperOffice AS',
    aud: `spn:${options.clientId}`,
    sub: 'Cust12345',
    'http://schemas.superoffice.net/identity/ctx': 'Cust12345',
    nonce: nonce(),
    nbf: now - 60,
    iat: now,
    exp: now + 300,
    ...options.claims,
  }
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(options.kid ? { kid: options.kid } : {}), ...options.header }).sign(key)
}

/** An unsigned token (`alg: none`), which no verifier may accept. */
export function unsignedToken(claims: JWTPayload): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`
}

/** The .NET `RSA.ToXmlString(true)` form of a private key, as the Developer Portal hands it out. */
export function toRsaXml(privateKey: KeyObject): string {
  const jwk = privateKey.export({ format: 'jwk' }) as Record<string, string>
  const part = (name: string, member: string) => `<${name}>${Buffer.from(jwk[member]!, 'base64url').toString('base64')}</${name}>`
  return `<RSAKeyValue>${part('Modulus', 'n')}${part('Exponent', 'e')}${part('P', 'p')}${part('Q', 'q')}${part('DP', 'dp')}${part('DQ', 'dq')}${part('InverseQ', 'qi')}${part('D', 'd')}</RSAKeyValue>`
}
