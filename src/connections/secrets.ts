/**
 * Sealing of Password configuration values at rest, with AES-256-GCM from node:crypto, under a key ring: values
 * are sealed with the first key and opened with whichever key sealed them, so a key is rotated without downtime.
 *
 * A sealed value is `v2:<key id>:<base64 of iv | tag | ciphertext>`. The key id (the first 8 hex digits of the
 * key's SHA-256) names the key that sealed it, so opening picks that key, and a value sealed with a key the server
 * lacks is reported as such instead of failing as "corrupt". A v2 value is bound to its connection GUID and field
 * key (GCM associated data): copied to another row or field, it no longer opens. `v1:` values (no binding) still
 * open; `npm run rotate-secret-key` turns them into v2.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'

const IV_BYTES = 12
const TAG_BYTES = 16

/**
 * `key`: the configured key(s) cannot open a value (none set, or not the key it was sealed with), or a key is not
 * valid. `value`: the stored value itself is damaged, or was moved from another connection or field.
 */
export type SecretProblem = 'key' | 'value'

export class SecretKeyError extends Error {
  override readonly name = 'SecretKeyError'
  constructor(
    message: string,
    readonly problem: SecretProblem = 'key',
  ) {
    super(message)
  }
}

/** Where a sealed value belongs: it opens only there. */
export interface SecretBinding {
  connectionId: string
  fieldKey: string
}

interface RingKey {
  id: string
  key: Buffer
}

export function secretKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8)
}

export class SecretBox {
  private readonly keys: RingKey[]
  /** The id of the key new values are sealed with. */
  readonly keyId: string

  /** `keys`: the key to seal with first, then older keys that still open values sealed with them. */
  constructor(keys: readonly Buffer[]) {
    if (keys.length === 0) throw new SecretKeyError('At least one connection secret key is needed')
    this.keys = keys.map((key) => {
      if (key.length !== 32) throw new SecretKeyError('The connection secret key must be 32 bytes')
      return { id: secretKeyId(key), key }
    })
    if (new Set(this.keys.map((k) => k.id)).size !== this.keys.length) throw new SecretKeyError('The same key is given twice')
    this.keyId = this.keys[0]!.id
  }

  get keyIds(): string[] {
    return this.keys.map((k) => k.id)
  }

  /**
   * @example new SecretBox(parseSecretKeys(process.env.CONNECTION_SECRET_KEY!)).seal('hunter2', { connectionId, fieldKey: 'Password' })
   */
  seal(plain: string, binding: SecretBinding): string {
    const { id, key } = this.keys[0]!
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
    cipher.setAAD(associatedData(binding))
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
    return `v2:${id}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`
  }

  /** Whether `sealed` is already in the current format, with the first key (rotation leaves it as it is). */
  isCurrent(sealed: string): boolean {
    return sealed.startsWith(`v2:${this.keyId}:`)
  }

  open(sealed: string, binding: SecretBinding): string {
    const where = `The stored value of field "${binding.fieldKey}" of connection ${binding.connectionId}`
    const match = /^(v1|v2):([0-9a-f]{8}):([A-Za-z0-9+/]*={0,2})$/.exec(sealed)
    if (!match) throw new SecretKeyError(`${where} is not in a known sealed format`, 'value')
    const [, version, id, payload] = match as unknown as [string, 'v1' | 'v2', string, string]
    const ring = this.keys.find((k) => k.id === id)
    if (!ring) {
      throw new SecretKeyError(
        `${where} was sealed with key ${id}, but CONNECTION_SECRET_KEY holds key(s) ${this.keyIds.join(', ')}: add the key it was sealed with after the current one`,
      )
    }
    const bytes = Buffer.from(payload, 'base64')
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new SecretKeyError(`${where} is too short to hold its ${TAG_BYTES}-byte integrity tag`, 'value')
    const decipher = createDecipheriv('aes-256-gcm', ring.key, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES })
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
    if (version === 'v2') decipher.setAAD(associatedData(binding))
    try {
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8')
    } catch {
      throw new SecretKeyError(
        `${where} (sealed with key ${id}) failed its integrity check: it was altered, or copied from another connection or field`,
        'value',
      )
    }
  }
}

function associatedData(binding: SecretBinding): Buffer {
  // A JSON array keeps the parts apart whatever characters they hold.
  return Buffer.from(JSON.stringify(['erp-connector-ws sealed value v2', binding.connectionId, binding.fieldKey]), 'utf8')
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

/**
 * Reads a key ring: keys separated by commas, the one to seal with first. A SecretKeyError's message reads after
 * "CONNECTION_SECRET_KEY is not valid: ".
 */
export function parseSecretKeys(text: string): Buffer[] {
  const parts = text.split(',')
  const keys = parts.map((part, index) => {
    const which = parts.length === 1 ? 'it' : `key ${index + 1} of ${parts.length}`
    if (part.trim() === '') throw new SecretKeyError(`${which} is empty: write the keys separated by commas, the newest first`)
    try {
      return parseSecretKey(part)
    } catch (error) {
      if (!(error instanceof SecretKeyError)) throw error
      throw new SecretKeyError(`${which} ${error.message}`)
    }
  })
  if (new Set(keys.map(secretKeyId)).size !== keys.length) throw new SecretKeyError('it lists the same key twice: give each key once')
  return keys
}
