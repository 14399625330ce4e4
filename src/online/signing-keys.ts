/**
 * SuperOffice's token-signing keys, as SuperOffice's own sample keeps them: fetched from the environment's OpenID
 * configuration (or a JWKS URL) with a time limit, cached, fetched again once when a token names a key not seen
 * yet, and left alone for a while after a failed fetch, so that an outage of the provider costs each call nothing.
 * Local files (a JWKS or a certificate) are read once, at start.
 */
import http from 'node:http'
import https from 'node:https'
import type { KeyObject } from 'node:crypto'
import { jwksKeys, type SigningKey } from './keys.js'

export const ENVIRONMENT_URLS: Record<string, string> = {
  sod: 'https://sod.superoffice.com/login/.well-known/openid-configuration',
  stage: 'https://qaonline.superoffice.com/login/.well-known/openid-configuration',
  online: 'https://online.superoffice.com/login/.well-known/openid-configuration',
}

export type KeySource = { kind: 'url'; url: string } | { kind: 'file'; path: string; keys: SigningKey[] }

export interface KeyFetchOptions {
  /** A whole fetch (OpenID configuration and JWKS) gives up after this long. */
  timeoutMs?: number
  /** After a failed fetch, no other is tried for this long. */
  backoffMs?: number
  /** Keys older than this are fetched again before use (the old ones serve if that fails). */
  maxAgeMs?: number
  /** A token naming an unknown key makes a fetch at most this often. */
  refreshCooldownMs?: number
  /** Extra certificate authorities to trust for the fetch (tests serve keys with their own CA). */
  ca?: string | Buffer | undefined
}

/** The keys cannot be had right now; the message says why and when they are tried again. */
export class SigningKeysUnavailable extends Error {
  override readonly name = 'SigningKeysUnavailable'
}

/** No key of SuperOffice's matches the one the token names, even after fetching the keys again. */
export class UnknownSigningKey extends Error {
  override readonly name = 'UnknownSigningKey'
}

const MAX_DOCUMENT_BYTES = 1024 * 1024

/** Keys published at one URL. */
class RemoteKeys {
  keys: SigningKey[] | undefined
  fetchedAt = -Infinity
  failedAt = -Infinity
  lastProblem = ''
  /** Fetches started, for the tests and for the log. */
  fetches = 0
  private inFlight: Promise<void> | undefined

  constructor(
    readonly url: string,
    private readonly options: Required<Omit<KeyFetchOptions, 'ca'>> & { ca?: string | Buffer | undefined },
  ) {}

  backingOff(now: number): boolean {
    return now - this.failedAt < this.options.backoffMs
  }

  /** Fetches unless a fetch is under way (then waits for it) or the last one failed too recently. */
  refresh(now: number): Promise<void> {
    if (this.inFlight) return this.inFlight
    if (this.backingOff(now)) return Promise.resolve()
    this.fetches++
    this.inFlight = this.fetchKeys()
      .then(
        (keys) => {
          this.keys = keys
          this.fetchedAt = Date.now()
          this.lastProblem = ''
        },
        (error: unknown) => {
          this.failedAt = Date.now()
          this.lastProblem = error instanceof Error ? error.message : String(error)
        },
      )
      .finally(() => {
        this.inFlight = undefined
      })
    return this.inFlight
  }

  /** The keys, fetched first when there are none or they are old. */
  async current(now: number): Promise<SigningKey[] | undefined> {
    if (!this.keys || now - this.fetchedAt > this.options.maxAgeMs) await this.refresh(now)
    return this.keys
  }

  unavailableReason(now: number): string {
    const wait = Math.max(1, Math.ceil((this.options.backoffMs - (now - this.failedAt)) / 1000))
    return `SuperOffice's signing keys could not be fetched from ${this.url} (${this.lastProblem}); the server tries again in ${wait} s`
  }

  private async fetchKeys(): Promise<SigningKey[]> {
    const deadline = Date.now() + this.options.timeoutMs
    let document = await this.getJson(this.url, deadline)
    const jwksUri = (document as { jwks_uri?: unknown } | null)?.jwks_uri
    if (typeof jwksUri === 'string' && !(document as { keys?: unknown }).keys) {
      if (!/^https:\/\//i.test(jwksUri) && /^https:/i.test(this.url)) throw new Error(`its jwks_uri ${jwksUri} is not https`)
      document = await this.getJson(jwksUri, deadline)
    }
    return jwksKeys(document)
  }

  private getJson(url: string, deadline: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const left = deadline - Date.now()
      if (left <= 0) return reject(new Error(`no answer within ${this.options.timeoutMs} ms`))
      const transport = url.startsWith('https:') ? https : http
      const request = transport.get(url, { headers: { accept: 'application/json' }, ...(this.options.ca ? { ca: this.options.ca } : {}) }, (response) => {
        if (response.statusCode !== 200) {
          response.resume()
          return reject(new Error(`${url} answered HTTP ${response.statusCode}`))
        }
        const chunks: Buffer[] = []
        let size = 0
        response.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > MAX_DOCUMENT_BYTES) request.destroy(new Error(`${url} sent more than ${MAX_DOCUMENT_BYTES} bytes`))
          else chunks.push(chunk)
        })
        response.on('error', reject)
        response.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
          } catch {
            reject(new Error(`${url} did not answer with JSON`))
          }
        })
      })
      // One limit for the whole exchange: a server that trickles bytes is cut off too.
      const timer = setTimeout(() => request.destroy(new Error(`no answer within ${this.options.timeoutMs} ms`)), left)
      request.on('error', reject)
      request.on('close', () => clearTimeout(timer))
    })
  }
}

/**
 * Every key SuperOffice may sign a token with, from one or more sources.
 *
 * @example
 * const keys = new SigningKeys([{ kind: 'url', url: ENVIRONMENT_URLS.online! }])
 * const candidates = await keys.resolve({ kid: 'abc' })
 */
export class SigningKeys {
  private readonly remote: RemoteKeys[]
  private readonly local: SigningKey[]
  private readonly cooldownMs: number
  private lastUnknownKeyRefresh = -Infinity
  private unknownKeyRefresh: Promise<void> | undefined

  constructor(sources: readonly KeySource[], options: KeyFetchOptions = {}) {
    const settings = {
      timeoutMs: options.timeoutMs ?? 5_000,
      backoffMs: options.backoffMs ?? 60_000,
      maxAgeMs: options.maxAgeMs ?? 60 * 60_000,
      refreshCooldownMs: options.refreshCooldownMs ?? 10_000,
      ca: options.ca,
    }
    this.cooldownMs = settings.refreshCooldownMs
    this.remote = sources.flatMap((s) => (s.kind === 'url' ? [new RemoteKeys(s.url, settings)] : []))
    this.local = sources.flatMap((s) => (s.kind === 'file' ? s.keys : []))
  }

  /** How many fetches were started, per URL. */
  get fetchCounts(): Record<string, number> {
    return Object.fromEntries(this.remote.map((r) => [r.url, r.fetches]))
  }

  /** Fetches the keys now, so that the first Authenticate does not wait; what went wrong, if anything. */
  async warmUp(): Promise<string[]> {
    const now = Date.now()
    await Promise.all(this.remote.map((r) => r.refresh(now)))
    return this.remote.filter((r) => !r.keys).map((r) => r.unavailableReason(Date.now()))
  }

  /**
   * The keys that may have signed a token with this header (more than one only when it names none).
   * Throws SigningKeysUnavailable or UnknownSigningKey.
   */
  async resolve(header: { kid?: string | undefined; x5t?: string | undefined }): Promise<KeyObject[]> {
    const now = Date.now()
    const loaded = await Promise.all(this.remote.map((r) => r.current(now)))
    let found = this.match(header, loaded)
    if (found.length > 0) return found
    const namesAKey = header.kid !== undefined || header.x5t !== undefined
    if (namesAKey && this.remote.length > 0) {
      // A key rotated in since the last fetch: fetch once, and callers meanwhile wait for that fetch.
      if (now - this.lastUnknownKeyRefresh >= this.cooldownMs) {
        this.lastUnknownKeyRefresh = now
        this.unknownKeyRefresh = Promise.all(this.remote.map((r) => r.refresh(now))).then(() => undefined)
      }
      await this.unknownKeyRefresh
      found = this.match(header, this.remote.map((r) => r.keys))
      if (found.length > 0) return found
    }
    const down = this.remote.filter((r) => !r.keys)
    if (down.length > 0 && this.local.length === 0 && down.length === this.remote.length) {
      throw new SigningKeysUnavailable(down.map((r) => r.unavailableReason(Date.now())).join('; '))
    }
    const named = header.kid !== undefined ? `kid "${header.kid}"` : header.x5t !== undefined ? `x5t "${header.x5t}"` : 'no key id'
    throw new UnknownSigningKey(`The SignedToken names a signing key (${named}) that is not among SuperOffice's published keys (SUPEROFFICE_JWKS): is it from another environment?`)
  }

  private match(header: { kid?: string | undefined; x5t?: string | undefined }, remote: Array<SigningKey[] | undefined>): KeyObject[] {
    const published = remote.flatMap((keys) => keys ?? [])
    const fromJwks = [...published, ...this.local.filter((k) => k.kid !== undefined)].filter((k) =>
      header.kid !== undefined ? k.kid === header.kid : header.x5t === undefined || k.x5t === header.x5t,
    )
    // A certificate file names no key: trusted by whoever configured it, its key is always worth a try.
    const certificates = this.local.filter((k) => k.kid === undefined)
    return [...fromJwks, ...certificates].map((k) => k.key)
  }
}
