/**
 * Key material for CRM Online: the application's private key (the Developer Portal hands it out as .NET RSA XML;
 * PEM works too), SuperOffice's signing keys from a JWKS document or a certificate, and the application token
 * SuperOffice's authorization service checks: `<nonce>.<yyyyMMddHHmm UTC>.<base64 RSA-SHA256 signature>`.
 */
import { createPrivateKey, createPublicKey, createSign, createVerify, X509Certificate, type JsonWebKey, type KeyObject } from 'node:crypto'

/** A key file that cannot be used; the message says what is wrong with it. */
export class KeyFileError extends Error {
  override readonly name = 'KeyFileError'
}

/** One signing key of SuperOffice's: a token names it by `kid` (or the certificate thumbprint `x5t`). */
export interface SigningKey {
  kid?: string | undefined
  x5t?: string | undefined
  key: KeyObject
}

const RSA_XML_PARTS = ['Modulus', 'Exponent', 'D', 'P', 'Q', 'DP', 'DQ', 'InverseQ'] as const
const JWK_NAMES: Record<(typeof RSA_XML_PARTS)[number], string> = { Modulus: 'n', Exponent: 'e', D: 'd', P: 'p', Q: 'q', DP: 'dp', DQ: 'dq', InverseQ: 'qi' }

/**
 * Reads an RSA key from .NET's `<RSAKeyValue>` XML (each part base64, as `RSA.ToXmlString` writes it): private
 * when it has D, P, Q, DP, DQ and InverseQ, public when it has only Modulus and Exponent.
 *
 * @example const key = rsaXmlToKey(readFileSync('app.xml', 'utf8'))
 */
export function rsaXmlToKey(xml: string): KeyObject {
  const jwk: JsonWebKey = { kty: 'RSA' }
  for (const part of RSA_XML_PARTS) {
    const match = new RegExp(`<${part}>([^<]*)</${part}>`).exec(xml)
    if (!match) continue
    const base64 = match[1]!.replace(/\s+/g, '')
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw new KeyFileError(`its <${part}> is not base64`)
    jwk[JWK_NAMES[part]] = Buffer.from(base64, 'base64').toString('base64url')
  }
  if (!jwk.n || !jwk.e) throw new KeyFileError('its <RSAKeyValue> has no <Modulus> or no <Exponent>')
  const privateParts = RSA_XML_PARTS.slice(2).filter((part) => jwk[JWK_NAMES[part]] !== undefined)
  try {
    if (privateParts.length === 0) return createPublicKey({ key: jwk, format: 'jwk' })
    if (privateParts.length < 6) throw new KeyFileError(`its <RSAKeyValue> has only some private parts (${privateParts.join(', ')}); it needs D, P, Q, DP, DQ and InverseQ`)
    return createPrivateKey({ key: jwk, format: 'jwk' })
  } catch (error) {
    if (error instanceof KeyFileError) throw error
    throw new KeyFileError(`its <RSAKeyValue> is not a valid RSA key (${(error as Error).message})`)
  }
}

/** The application's RSA private key, from RSA XML or PEM (PKCS#1 or PKCS#8). */
export function parsePrivateKey(text: string): KeyObject {
  let key: KeyObject
  if (/<RSAKeyValue>/.test(text)) key = rsaXmlToKey(text)
  else if (/-----BEGIN (RSA |ENCRYPTED )?PRIVATE KEY-----/.test(text)) {
    if (/ENCRYPTED/.test(text)) throw new KeyFileError('it is an encrypted PEM key; decrypt it first (openssl pkey -in key.pem -out plain.pem)')
    try {
      key = createPrivateKey(text)
    } catch (error) {
      throw new KeyFileError(`its PEM key cannot be read (${(error as Error).message})`)
    }
  } else throw new KeyFileError('it holds neither <RSAKeyValue> XML (as the Developer Portal gives it) nor a PEM private key')
  if (key.type !== 'private') throw new KeyFileError('it holds a public key; the application token needs the private key')
  if (key.asymmetricKeyType !== 'rsa') throw new KeyFileError(`it holds a ${key.asymmetricKeyType} key; SuperOffice application keys are RSA`)
  return key
}

/** A public RSA key to check application tokens with: RSA XML, a PEM public key or certificate, or a private key (its public half). */
export function parsePublicKey(text: string): KeyObject {
  if (/<RSAKeyValue>/.test(text)) return createPublicKey(rsaXmlToKey(text))
  if (/-----BEGIN CERTIFICATE-----/.test(text)) return new X509Certificate(text).publicKey
  try {
    return createPublicKey(text)
  } catch (error) {
    throw new KeyFileError(`it holds no public key that can be read (${(error as Error).message})`)
  }
}

/**
 * SuperOffice's signing keys from a local file: a JWKS (`{"keys": [...]}`) or PEM certificates (the older
 * SuperOfficeFederatedLogin.crt).
 */
export function parseSigningKeys(text: string): SigningKey[] {
  if (/-----BEGIN CERTIFICATE-----/.test(text)) {
    const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []
    return pems.map((pem) => {
      try {
        const certificate = new X509Certificate(pem)
        return { x5t: Buffer.from(certificate.fingerprint.replace(/:/g, ''), 'hex').toString('base64url'), key: certificate.publicKey }
      } catch (error) {
        throw new KeyFileError(`a certificate in it cannot be read (${(error as Error).message})`)
      }
    })
  }
  let document: unknown
  try {
    document = JSON.parse(text)
  } catch {
    throw new KeyFileError('it is neither a JWKS (JSON with "keys") nor a PEM certificate')
  }
  return jwksKeys(document)
}

/** The RSA signature keys of a JWKS document; keys for other uses or algorithms are passed over. */
export function jwksKeys(document: unknown): SigningKey[] {
  const keys = (document as { keys?: unknown } | null)?.keys
  if (!Array.isArray(keys)) throw new KeyFileError('it is not a JWKS: it has no "keys" list')
  const found: SigningKey[] = []
  for (const jwk of keys as Array<Record<string, unknown>>) {
    if (jwk?.kty !== 'RSA' || (jwk.use !== undefined && jwk.use !== 'sig') || (jwk.alg !== undefined && jwk.alg !== 'RS256')) continue
    try {
      const key = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e } as JsonWebKey, format: 'jwk' })
      found.push({ kid: typeof jwk.kid === 'string' ? jwk.kid : undefined, x5t: typeof jwk.x5t === 'string' ? jwk.x5t : undefined, key })
    } catch {
      // A key that does not load cannot have signed anything this server accepts.
    }
  }
  if (found.length === 0) throw new KeyFileError('its "keys" list has no RSA signing key')
  return found
}

/** `yyyyMMddHHmm` in UTC, as the application token carries it. */
export function tokenTimestamp(at: Date): string {
  return at.toISOString().replace(/[-T:]/g, '').slice(0, 12)
}

/**
 * The application token SuperOffice's authorization service expects back from Authenticate.
 *
 * @example signApplicationToken('0123456789ABCDEF0123456789ABCDEF', privateKey) // "0123….202612011530.kq3…=="
 */
export function signApplicationToken(nonce: string, privateKey: KeyObject, now = new Date()): string {
  const signed = `${nonce}.${tokenTimestamp(now)}`
  return `${signed}.${createSign('RSA-SHA256').update(signed, 'utf8').sign(privateKey, 'base64')}`
}

/**
 * Checks an application token as SuperOffice does: three parts, the nonce it was given, a timestamp within
 * 15 minutes of now, and the signature. Returns what is wrong, or undefined.
 */
export function checkApplicationToken(token: string, nonce: string, publicKey: KeyObject | undefined, now = new Date()): string | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return `it has ${parts.length} parts separated by ".", not 3 (nonce, timestamp, signature)`
  const [tokenNonce, stamp, signature] = parts as [string, string, string]
  if (tokenNonce !== nonce) return `its nonce is "${tokenNonce}", not the token's "${nonce}"`
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(stamp)
  const at = match ? Date.UTC(+match[1]!, +match[2]! - 1, +match[3]!, +match[4]!, +match[5]!) : Number.NaN
  if (Number.isNaN(at)) return `its timestamp "${stamp}" is not yyyyMMddHHmm`
  if (Math.abs(at - now.getTime()) > 15 * 60_000) return `its timestamp ${stamp} is more than 15 minutes from now (${tokenTimestamp(now)} UTC)`
  if (publicKey && !createVerify('RSA-SHA256').update(`${tokenNonce}.${stamp}`, 'utf8').verify(publicKey, signature, 'base64')) {
    return "its signature does not verify with the application's public key"
  }
  return undefined
}
