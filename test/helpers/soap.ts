/**
 * Sending SOAP requests as a WCF client does, and reading the answers.
 */
import { readFileSync } from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { RESULT_BASE } from '../../generated/contract.js'
import { readXml, type XmlElement } from '../../src/soap/xml.js'

export const TNS = 'http://www.superoffice.net/EIS/Connector/1.0'
export const ARRAYS = 'http://schemas.microsoft.com/2003/10/Serialization/Arrays'
export const SOAP_ENV = 'http://schemas.xmlsoap.org/soap/envelope/'
export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/wcf-requests')
export const FIXTURE_GUID = '3aef3af6-8642-4fc1-8dc9-4e08bd76a6bf'

export function action(operation: string): string {
  return `"${TNS}/IErpConnectorWS/${operation}"`
}

export function fixture(operation: string): string {
  return readFileSync(path.join(FIXTURES, `${operation}.xml`), 'utf8')
}

export interface SoapAnswer {
  status: number
  contentType: string | null
  text: string
  bytes: Uint8Array
}

/**
 * POSTs with node:http, as a WCF client does: with `expect: 100-continue` the body is sent only after the server's
 * 100 Continue (fetch cannot send that header).
 */
export function post(endpoint: string, body: string | Buffer, headers: Record<string, string> = {}, agent?: http.Agent): Promise<SoapAnswer> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
  return new Promise((resolve, reject) => {
    const request = http.request(endpoint, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'text/xml; charset=utf-8', 'content-length': String(bytes.length), ...headers },
    })
    request.on('error', reject)
    request.on('response', (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('error', reject)
      response.on('end', () => {
        const all = Buffer.concat(chunks)
        resolve({
          status: response.statusCode ?? 0,
          contentType: response.headers['content-type'] ?? null,
          text: all.toString('utf8'),
          bytes: new Uint8Array(all),
        })
      })
    })
    if (/100-continue/i.test(headers.expect ?? '')) request.on('continue', () => request.end(bytes))
    else request.end(bytes)
  })
}

/** Calls an operation with a body element (the wrapper) and returns the response wrapper element. */
/** A GET over plain HTTP: status, content type and body. */
export function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (response) => {
        let text = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (text += chunk))
        response.on('end', () => resolve({ status: response.statusCode ?? 0, type: String(response.headers['content-type']), text }))
      })
      .on('error', reject)
  })
}

export async function call(endpoint: string, operation: string, wrapper: string): Promise<XmlElement> {
  const answer = await post(endpoint, envelope(wrapper), { soapaction: action(operation) })
  if (answer.status !== 200) throw new Error(`${operation} answered HTTP ${answer.status}: ${answer.text}`)
  return payload(answer.text)
}

export function envelope(body: string): string {
  return `<s:Envelope xmlns:s="${SOAP_ENV}"><s:Body>${body}</s:Body></s:Envelope>`
}

/** The single element inside s:Body. */
export function payload(text: string): XmlElement {
  const root = readXml(text, { maxDepth: 64 })
  const body = root.children.find((c) => c.ns === SOAP_ENV && c.name === 'Body')
  if (!body || body.children.length !== 1) throw new Error(`not one element in the body: ${text.slice(0, 300)}`)
  return body.children[0]!
}

export function child(el: XmlElement, name: string): XmlElement {
  const found = el.children.find((c) => c.name === name)
  if (!found) throw new Error(`<${el.name}> has no <${name}>`)
  return found
}

export function names(el: XmlElement): string[] {
  return el.children.map((c) => c.name)
}

/** A fault's faultcode and faultstring. */
export function fault(text: string): { faultcode: string; faultstring: string } {
  const f = payload(text)
  if (f.name !== 'Fault' || f.ns !== SOAP_ENV) throw new Error(`not a fault: ${text.slice(0, 300)}`)
  return { faultcode: child(f, 'faultcode').text, faultstring: child(f, 'faultstring').text }
}

/** `<FieldValues>` or `<ListItems>` as [key, value] pairs in wire order. */
export function pairs(el: XmlElement): Array<[string, string | null]> {
  return el.children.map((kv) => [child(kv, 'Key').text, child(kv, 'Value').nil ? null : child(kv, 'Value').text])
}

/** The parts every response begins with, from the generated contract. */
export const BASE_PARTS: readonly string[] = RESULT_BASE.members

/** SaveConnection for the memory connector, with a given GUID. */
export function saveConnectionBody(guid: string, config: Record<string, string> = { Dataset: 'demo' }): string {
  const entries = Object.entries(config)
    .map(([k, v]) => `<a:KeyValueOfstringstring><a:Key>${k}</a:Key><a:Value>${v}</a:Value></a:KeyValueOfstringstring>`)
    .join('')
  return `<SaveConnectionRequest xmlns="${TNS}"><ConnectionGuid>${guid}</ConnectionGuid><ConnectionInfo xmlns:a="${ARRAYS}">${entries}</ConnectionInfo></SaveConnectionRequest>`
}
