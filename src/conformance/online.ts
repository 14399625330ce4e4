/**
 * The kit's CRM Online flow: plays SuperOffice's authorization service against the endpoint's Authenticate. It
 * signs SignedTokens with a key the server was told to trust (SUPEROFFICE_JWKS), checks the application token
 * that comes back (nonce, timestamp, and the signature when given the app's public key), and checks that bad
 * tokens are refused with a reason, never a fault.
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto'
import http from 'node:http'
import https from 'node:https'
import { SignJWT, type JWTPayload } from 'jose'
import { checkApplicationToken } from '../online/keys.js'
import { SOAP_ENV_NS } from '../soap/errors.js'
import { readXml, type XmlElement } from '../soap/xml.js'
import type { Report } from './report.js'

export interface OnlineKitOptions {
  /** The private key the kit signs SignedTokens with, as SuperOffice does; the server must trust its public half. */
  signingKey: KeyObject
  /** The `kid` to name in the tokens (when the server's JWKS names its keys). */
  kid?: string | undefined
  /** The application's client id, as registered in the Developer Portal. */
  clientId: string
  /** The application's public key, to check the application token's signature; unset, that check is skipped. */
  appPublicKey?: KeyObject | undefined
}

// Not published by SuperOffice (contract 13.2): the shape of SuperID's other services, which the server answers in kind.
const SERVICE_NS = 'http://www.superoffice.com/superid/connectorauth/0.1'
const CONTRACTS_NS = 'http://schemas.datacontract.org/2004/07/SuperOffice.SuperID.Contracts.V1'
const ACTION = `${SERVICE_NS}/IIntegrationServiceConnectorAuth/Authenticate`

const SHAPES = {
  'message contract': (jwt: string) => `<AuthenticationRequest xmlns="${SERVICE_NS}"><SignedToken>${jwt}</SignedToken></AuthenticationRequest>`,
  'wrapped request': (jwt: string) => `<Authenticate xmlns="${SERVICE_NS}"><request xmlns:a="${CONTRACTS_NS}"><a:SignedToken>${jwt}</a:SignedToken></request></Authenticate>`,
}

interface AuthAnswer {
  members: XmlElement
  value(name: string): string | null | undefined
}

export async function onlineFlow(report: Report, url: string, options: OnlineKitOptions, timeoutMs: number): Promise<void> {
  report.flow('0. CRM Online: Authenticate')
  const now = () => Math.floor(Date.now() / 1000)
  const sign = (claims: JWTPayload, key = options.signingKey) => {
    const nonce = randomBytes(16).toString('hex').toUpperCase()
    const payload: JWTPayload = {
      iss: 'SuperOffice AS',
      aud: `spn:${options.clientId}`,
      sub: 'Cust00000',
      'http://schemas.superoffice.net/identity/ctx': 'Cust00000',
      nonce,
      nbf: now() - 60,
      iat: now(),
      exp: now() + 300,
      ...claims,
    }
    return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(options.kid ? { kid: options.kid } : {}) }).sign(key)
  }
  /** Calls Authenticate; undefined (with a failed check) when the answer is not an Authenticate answer. */
  const call = async (check: string, body: string, wrapped: boolean): Promise<AuthAnswer | undefined> => {
    let text: string
    let status: number
    try {
      ;({ status, text } = await post(url, `<s:Envelope xmlns:s="${SOAP_ENV_NS}"><s:Body>${body}</s:Body></s:Envelope>`, ACTION, timeoutMs))
    } catch (error) {
      report.fail(check, 'an answer', `no answer: ${(error as Error).message}`)
      return undefined
    }
    let wrapper: XmlElement | undefined
    try {
      wrapper = readXml(text, { maxDepth: 32 }).children.find((c) => c.ns === SOAP_ENV_NS && c.name === 'Body')?.children[0]
    } catch (error) {
      report.fail(check, 'a SOAP answer', `HTTP ${status}, not XML: ${(error as Error).message}`)
      return undefined
    }
    const expected = wrapped ? `<AuthenticateResponse><AuthenticateResult> in "${SERVICE_NS}"` : `<AuthenticationResponse> in "${SERVICE_NS}"`
    const members = wrapped ? wrapper?.children.find((c) => c.name === 'AuthenticateResult') : wrapper
    const fits = status === 200 && wrapper?.ns === SERVICE_NS && wrapper.name === (wrapped ? 'AuthenticateResponse' : 'AuthenticationResponse') && members
    if (!fits) {
      const fault = wrapper?.name === 'Fault' ? `: ${wrapper.children.find((c) => c.name === 'faultstring')?.text}` : ''
      report.fail(check, `HTTP 200 with ${expected} (never a SOAP fault)`, `HTTP ${status} with <${wrapper?.name}> in "${wrapper?.ns}"${fault}`)
      return undefined
    }
    return {
      members: members!,
      value: (name) => {
        const member = members!.children.find((c) => c.name === name)
        return member === undefined ? undefined : member.nil ? null : member.text
      },
    }
  }

  for (const [shape, build] of Object.entries(SHAPES)) {
    const wrapped = shape === 'wrapped request'
    const jwt = await sign({})
    const nonce = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')).nonce as string
    const answer = await call(`${shape}: answers a valid token`, build(jwt), wrapped)
    if (!answer) continue
    const order = answer.members.children.map((c) => c.name).join(', ')
    report.expect(`${shape}: members in order`, order === 'Reason, SignedApplicationToken, Succeeded', 'Reason, SignedApplicationToken, Succeeded', () => order)
    if (!report.expect(`${shape}: a valid token succeeds`, answer.value('Succeeded') === 'true', 'Succeeded=true', () => `Succeeded=${answer.value('Succeeded')}, Reason: ${answer.value('Reason')}`)) continue
    const token = answer.value('SignedApplicationToken') ?? ''
    const shapeProblem = checkApplicationToken(token, nonce, undefined)
    report.expect(`${shape}: the application token has the nonce and a current timestamp`, shapeProblem === undefined, '<nonce>.<yyyyMMddHHmm UTC, within 15 minutes>.<signature>', () => `"${token}": ${shapeProblem}`)
    if (options.appPublicKey) {
      const signatureProblem = checkApplicationToken(token, nonce, options.appPublicKey)
      report.expect(`${shape}: the application token's signature verifies with the app public key`, signatureProblem === undefined, 'RSA-SHA256 over "<nonce>.<timestamp>"', () => `${signatureProblem}`)
    } else report.skip(`${shape}: the application token's signature`, 'give --app-key to check it')
  }

  const intruder = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const refusals: Array<[string, string]> = [
    ['wrong audience', await sign({ aud: 'spn:not-this-application' })],
    ['wrong issuer', await sign({ iss: 'Not SuperOffice' })],
    ['expired', await sign({ nbf: now() - 1200, iat: now() - 1200, exp: now() - 600 })],
    ['not yet valid', await sign({ nbf: now() + 600, iat: now() + 600, exp: now() + 900 })],
    ['signed by another key', await sign({}, intruder)],
    ['alg none', `${part({ alg: 'none', typ: 'JWT' })}.${part({ iss: 'SuperOffice AS', aud: `spn:${options.clientId}`, nonce: 'AB', exp: now() + 300 })}.`],
    ['malformed', 'this-is-not-a-jwt'],
  ]
  for (const [name, jwt] of refusals) {
    const answer = await call(`${name}: answers`, SHAPES['message contract'](jwt), false)
    if (!answer) continue
    const reason = answer.value('Reason')
    report.expect(
      `${name}: refused with a reason`,
      answer.value('Succeeded') === 'false' && !!reason && !answer.value('SignedApplicationToken'),
      'Succeeded=false, a Reason, no SignedApplicationToken',
      () => `Succeeded=${answer.value('Succeeded')}, Reason=${reason}, SignedApplicationToken=${answer.value('SignedApplicationToken')}`,
      reason ?? undefined,
    )
  }
}

function post(url: string, body: string, action: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  const bytes = Buffer.from(body, 'utf8')
  const transport = url.startsWith('https:') ? https : http
  return new Promise((resolve, reject) => {
    const request = transport.request(url, {
      method: 'POST',
      timeout: timeoutMs,
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${action}"`, 'content-length': bytes.length },
    })
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    request.on('error', reject)
    request.on('response', (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('error', reject)
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }))
    })
    request.end(bytes)
  })
}
