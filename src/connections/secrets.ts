/**
 * Sealing of Password configuration values at rest, with AES-256-GCM from node:crypto.
 * A sealed value is `v1:<key fingerprint>:<base64 of iv | tag | ciphertext>`; the fingerprint names the key that
 * sealed it, so a value sealed with another key is reported as such instead of failing as "corrupt".
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'

export class SecretKeyError extends Error {
  override readonly name = 'SecretKeyError'
}

export class SecretBox {
  readonly fingerprint: string
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new SecretKeyError('The connection secret key must be 32 bytes')
    this.fingerprint = createHash('sha256').update(key).digest('hex').slice(0, 8)
  }

  /**
   * @example new SecretBox(parseSecretKey(process.env.CONNECTION_SECRET_KEY!)).seal('hunter2')
   */
  seal(plain: string): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.key, iv)
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
    return `v1:${this.fingerprint}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`
  }

  open(sealed: string): string {
    const [version, fingerprint, payload] = sealed.split(':')
    if (version !== 'v1' || !fingerprint || payload === undefined) throw new SecretKeyError('A stored secret is not in a known format')
    if (fingerprint !== this.fingerprint) {
      throw new SecretKeyError(`A stored secret was sealed with key ${fingerprint}, but the configured key is ${this.fingerprint}`)
    }
    const bytes = Buffer.from(payload, 'base64')
    const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, 12))
    decipher.setAuthTag(bytes.subarray(12, 28))
    try {
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8')
    } catch {
      throw new SecretKeyError(`A stored secret sealed with key ${fingerprint} failed its integrity check`)
    }
  }
}

/**
 * Reads a 32-byte key written as 64 hex digits or as base64 (what `openssl rand -base64 32` prints).
 */
export function parseSecretKey(text: string): Buffer {
  const trimmed = text.trim()
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64')
  if (key.length !== 32 || (!/^[0-9a-fA-F]{64}$/.test(trimmed) && key.toString('base64') !== trimmed)) {
    throw new SecretKeyError('must be 32 random bytes, as 64 hex digits or base64 (make one with: openssl rand -base64 32)')
  }
  return key
}
