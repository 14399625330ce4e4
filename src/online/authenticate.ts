/**
 * CRM Online's handshake: before any IErpConnectorWS call, SuperOffice's authorization service calls
 * `IIntegrationServiceConnectorAuth.Authenticate` on the same endpoint with a signed JWT, and goes on only if the
 * answer carries an application token signed with the application's private key (contract section 13).
 *
 * The exact wire shape is not published, so the request is read by local names (a message-contract
 * `<AuthenticationRequest><SignedToken>`, a wrapped `<Authenticate><request><SignedToken>`, or a SignedToken
 * header) and answered in the request's own namespaces and shape. Anything else is still answered, and logged once,
 * token redacted, so that the first real call pins the shape down.
 */
import type { KeyObject } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { JWTPayload, ProtectedHeaderParameters } from 'jose'
import { SOAP_ENV_NS } from '../soap/errors.js'
import { escapeAttribute, escapeText } from '../soap/writer.js'
import { readXml, XSI_NS, xmlSafe, type XmlElement } from '../soap/xml.js'
import { signApplicationToken } from './keys.js'
import { SigningKeys, SigningKeysUnavailable, UnknownSigningKey } from './signing-keys.js'

export const ISSUER = 'SuperOffice AS'
export const NOT_CONFIGURED = 'Online authentication is not configured on this server'
const TENANT_CLAIM = 'http://schemas.superoffice.net/identity/ctx'

export interface OnlineSettings {
  /** The application's client ids (one per environment); a token's audience must be `spn:` and one of them. */
  clientIds: readonly string[]
  privateKey: KeyObject
  keys: SigningKeys
  /** Seconds of clock difference allowed on exp and nbf. */
  clockToleranceSeconds?: number
}

export interface AuthenticationResult {
  Reason: string | null
  SignedApplicationToken: string | null
  Succeeded: boolean
  /** The tenant (customer id) the token is for, for the log. */
  tenant?: string | undefined
}

/**
 * Checks SuperOffice's SignedToken and, when it is good, signs the application token. Never throws: every
 * problem is a Reason.
 *
 * @example const result = await new OnlineAuthenticator(settings).authenticate(token)
 */
export class OnlineAuthenticator {
  private readonly audiences: Set<string>
  private readonly tolerance: number

  constructor(private readonly settings: OnlineSettings | undefined) {
    this.audiences = new Set((settings?.clientIds ?? []).map((id) => `spn:${id}`.toLowerCase()))
    this.tolerance = settings?.clockToleranceSeconds ?? 60
  }

  async authenticate(token: string | undefined): Promise<AuthenticationResult> {
    const settings = this.settings
    if (!settings) return refused(NOT_CONFIGURED)
    token = token?.trim()
    if (!token) return refused('Failed to validate authentication request: it has no SignedToken')
    // Only CRM Online uses jose: a server that never answers Authenticate does not load it.
    const { decodeProtectedHeader, errors, jwtVerify } = await import('jose')
    let header: ProtectedHeaderParameters
    try {
      header = decodeProtectedHeader(token)
      if (token.split('.').length !== 3) throw new Error('not three parts')
    } catch {
      return refused('Failed to validate authentication request: the SignedToken is not a JWT (header.payload.signature)')
    }
    if (header.alg !== 'RS256') return refused(`Failed to validate authentication request: the SignedToken is signed with "${String(header.alg)}"; only RS256 is accepted`)
    let candidates: KeyObject[]
    try {
      candidates = await settings.keys.resolve({ kid: header.kid, x5t: typeof header.x5t === 'string' ? header.x5t : undefined })
    } catch (error) {
      if (error instanceof SigningKeysUnavailable || error instanceof UnknownSigningKey) return refused(error.message)
      throw error
    }
    let payload: JWTPayload | undefined
    let failure: unknown
    for (const key of candidates) {
      try {
        payload = (await jwtVerify(token, key, { algorithms: ['RS256'], issuer: ISSUER, clockTolerance: this.tolerance, requiredClaims: ['exp', 'nonce'] })).payload
        break
      } catch (error) {
        failure = error
        if (!(error instanceof errors.JWSSignatureVerificationFailed)) break
      }
    }
    if (!payload) return refused(reasonFor(failure, errors))
    const audiences = (Array.isArray(payload.aud) ? payload.aud : [payload.aud]).filter((a): a is string => typeof a === 'string')
    if (!audiences.some((a) => this.audiences.has(a.toLowerCase()))) {
      return refused(
        `Wrong audience, mismatch on application identifier: the token is for "${audiences.join(', ')}", this server is set up for ${[...settings.clientIds].map((id) => `"spn:${id}"`).join(', ')} (SUPEROFFICE_CLIENT_ID)`,
      )
    }
    const nonce = payload.nonce
    if (typeof nonce !== 'string' || !/^[A-Za-z0-9_-]{1,256}$/.test(nonce)) return refused('Failed to retrieve nonce from the token')
    const tenant = typeof payload[TENANT_CLAIM] === 'string' ? (payload[TENANT_CLAIM] as string) : payload.sub
    return { Reason: null, SignedApplicationToken: signApplicationToken(nonce, settings.privateKey), Succeeded: true, tenant }
  }
}

function refused(reason: string): AuthenticationResult {
  return { Reason: reason, SignedApplicationToken: null, Succeeded: false }
}

function reasonFor(error: unknown, jose: typeof import('jose').errors): string {
  if (error instanceof jose.JWTExpired) return 'Token expired: its exp lies in the past (check this server\'s clock if this repeats)'
  if (error instanceof jose.JWTClaimValidationFailed) {
    if (error.claim === 'nbf' || error.claim === 'iat') return `Token not yet valid: its ${error.claim} lies in the future (check this server's clock if this repeats)`
    if (error.claim === 'iss') return `Wrong issuer: the token is not issued by "${ISSUER}"`
    if (error.claim === 'nonce') return 'Failed to retrieve nonce from the token'
    return `Failed to validate authentication request: claim ${error.claim} ${error.reason}`
  }
  if (error instanceof jose.JWSSignatureVerificationFailed) return "Failed to validate authentication request: the token's signature does not verify with SuperOffice's signing keys (SUPEROFFICE_JWKS)"
  if (error instanceof jose.JOSEAlgNotAllowed) return 'Failed to validate authentication request: only RS256 is accepted'
  if (error instanceof jose.JOSEError) return `Failed to validate authentication request: the SignedToken is malformed (${error.code})`
  return 'Failed to validate authentication request'
}

/** How the request was shaped, and so how the answer is. */
interface Shape {
  /** `message`: `<AuthenticationResponse>` with the members; `wrapped`: `<AuthenticateResponse><AuthenticateResult>`. */
  form: 'message' | 'wrapped'
  ns: string
  memberNs: string
  recognised: boolean
}

const MEMBERS_ORDER = ['Reason', 'SignedApplicationToken', 'Succeeded'] as const

/**
 * The soapPlugin `otherAction` hook: takes a POST whose SOAPAction ends in `/Authenticate`, or whose body holds an
 * `<Authenticate>` or `<AuthenticationRequest>`, and leaves everything else (undefined) to the plugin.
 */
export function authenticateRoute(authenticator: OnlineAuthenticator) {
  const reported = new Set<string>()
  return (action: string, body: Buffer, request: FastifyRequest, reply: FastifyReply): Promise<void> | undefined => {
    const byAction = /(^|[/:])Authenticate$/.test(action)
    let root: XmlElement
    try {
      root = readXml(body, { maxDepth: 32 })
    } catch {
      return undefined
    }
    if (root.ns !== SOAP_ENV_NS || root.name !== 'Envelope') return undefined
    const header = root.children.find((c) => c.ns === SOAP_ENV_NS && c.name === 'Header')
    const payload = root.children.find((c) => c.ns === SOAP_ENV_NS && c.name === 'Body')?.children[0]
    if (!byAction && payload?.name !== 'Authenticate' && payload?.name !== 'AuthenticationRequest') return undefined
    const started = process.hrtime.bigint()
    const { token, shape } = readRequest(header, payload, action)
    if (!shape.recognised && reported.size < 20) {
      const key = `${action}|${payload ? `{${payload.ns}}${payload.name}` : '(empty body)'}`
      if (!reported.has(key)) {
        reported.add(key)
        request.log.warn(
          { soapAction: action, request: redact(body.toString('utf8')) },
          'Unrecognised Authenticate request: answered as best understood; please report this log line (see README, "SuperOffice CRM Online")',
        )
      }
    }
    return authenticator.authenticate(token).then((result) => {
      request.log.info(
        { operation: 'Authenticate', succeeded: result.Succeeded, reason: result.Reason ?? undefined, tenant: result.tenant, durationMs: Number(process.hrtime.bigint() - started) / 1e6 },
        'Authenticate answered',
      )
      reply.code(200).header('content-type', 'text/xml; charset=utf-8').send(writeAnswer(shape, result))
    })
  }
}

function readRequest(header: XmlElement | undefined, payload: XmlElement | undefined, action: string): { token: string | undefined; shape: Shape } {
  const named = (el: XmlElement | undefined, name: string) => el?.children.find((c) => c.name === name)
  const actionNs = action.replace(/\/[^/]*\/Authenticate$/, '')
  const ns = payload?.ns || (actionNs !== action ? actionNs : '')
  const form = payload?.name === 'Authenticate' ? 'wrapped' : 'message'
  const inBody = payload?.name === 'AuthenticationRequest' ? named(payload, 'SignedToken') : payload?.name === 'Authenticate' ? named(named(payload, 'request'), 'SignedToken') : undefined
  const inHeader = named(header, 'SignedToken')
  const bodyIsKnown = payload === undefined || payload.name === 'Authenticate' || payload.name === 'AuthenticationRequest'
  const found = inBody ?? (bodyIsKnown ? inHeader : undefined)
  if (found) return { token: found.text, shape: { form, ns, memberNs: inBody ? found.ns : ns, recognised: true } }
  // Not a shape this server knows: any SignedToken anywhere will do, and the answer follows the body's element.
  const anywhere = findByName(header, 'SignedToken') ?? findByName(payload, 'SignedToken')
  return { token: anywhere?.text, shape: { form, ns, memberNs: anywhere?.ns ?? ns, recognised: false } }
}

function findByName(el: XmlElement | undefined, name: string): XmlElement | undefined {
  if (!el) return undefined
  if (el.name === name) return el
  for (const child of el.children) {
    const found = findByName(child, name)
    if (found) return found
  }
  return undefined
}

function writeAnswer(shape: Shape, result: AuthenticationResult): string {
  // Members in the wrapper's namespace are written unprefixed; in another one, with prefix "a" (as WCF writes data contracts).
  const prefix = shape.memberNs === shape.ns ? '' : shape.memberNs === '' ? '' : 'a:'
  const ownNs = shape.memberNs !== shape.ns && shape.memberNs === '' ? ' xmlns=""' : ''
  const member = (name: (typeof MEMBERS_ORDER)[number]) => {
    const value = result[name]
    if (value === null) return `<${prefix}${name}${ownNs} i:nil="true"/>`
    return `<${prefix}${name}${ownNs}>${escapeText(xmlSafe(String(value)))}</${prefix}${name}>`
  }
  const members = MEMBERS_ORDER.map(member).join('')
  const declarations = `xmlns="${escapeAttribute(shape.ns)}"${prefix ? ` xmlns:a="${escapeAttribute(shape.memberNs)}"` : ''} xmlns:i="${XSI_NS}"`
  const inner =
    shape.form === 'wrapped'
      ? `<AuthenticateResponse ${declarations}><AuthenticateResult>${members}</AuthenticateResult></AuthenticateResponse>`
      : `<AuthenticationResponse ${declarations}>${members}</AuthenticationResponse>`
  return `<s:Envelope xmlns:s="${SOAP_ENV_NS}"><s:Body>${inner}</s:Body></s:Envelope>`
}

/** The request as received, with every token in it replaced by its length. */
export function redact(xml: string): string {
  const limited = xml.length > 16_384 ? `${xml.slice(0, 16_384)}… (${xml.length} characters in all)` : xml
  return limited
    .replace(/(<(?:[\w.-]+:)?SignedToken\b[^>]*>)([^<]*)(<)/g, (_m, open: string, token: string, close: string) => `${open}[redacted, ${token.length} characters]${close}`)
    .replace(/eyJ[\w-]*\.[\w-]*\.[\w-]*/g, (jwt) => `[redacted JWT, ${jwt.length} characters]`)
}
