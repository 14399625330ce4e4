/**
 * The kit's SOAP client: sends what SuperOffice sends (the generated request writers, .NET-style headers) and
 * keeps every exchange, raw, for the wire checks and for --trace.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import path from 'node:path'
import { ErpConnectorWS, type ErpConnectorWSOperationName, type ErpConnectorWSOperations } from '../../generated/service.js'
import { SOAP_ENV_NS } from '../soap/errors.js'
import { readEnvelope } from '../soap/envelope.js'
import { writeXml } from '../soap/writer.js'
import { readXml, type XmlElement } from '../soap/xml.js'

export interface Exchange {
  operation: string
  request: string
  status: number
  contentType: string
  bytes: Buffer
  text: string
  ms: number
}

export type CallOutcome<K extends ErpConnectorWSOperationName> =
  | { ok: true; exchange: Exchange; wrapper: XmlElement; response: ErpConnectorWSOperations[K]['response'] }
  | { ok: false; exchange: Exchange | undefined; problem: string }

export class KitClient {
  private sequence = 0
  private readonly agent: http.Agent

  constructor(
    private readonly url: string,
    private readonly options: { traceDir?: string | undefined; timeoutMs: number },
  ) {
    this.agent = url.startsWith('https:') ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true })
    if (options.traceDir) mkdirSync(options.traceDir, { recursive: true })
  }

  async call<K extends ErpConnectorWSOperationName>(operation: K, request: ErpConnectorWSOperations[K]['request']): Promise<CallOutcome<K>> {
    const op = ErpConnectorWS.operations[operation]
    const body = `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="${SOAP_ENV_NS}"><s:Body>${writeXml((w) => op.writeRequest(w, request as never)).toString('utf8')}</s:Body></s:Envelope>`
    let exchange: Exchange
    try {
      exchange = await this.send(operation, body, op.soapAction)
    } catch (error) {
      return { ok: false, exchange: undefined, problem: `no answer: ${error instanceof Error ? error.message : String(error)}` }
    } finally {
      this.sequence++
    }
    this.trace(exchange)
    let wrapper: XmlElement | undefined
    try {
      const root = readXml(exchange.text.replace(/^\uFEFF/, ''), { maxDepth: 64 })
      const bodyElement = root.children.find((c) => c.ns === SOAP_ENV_NS && c.name === 'Body')
      wrapper = bodyElement?.children[0]
    } catch (error) {
      return { ok: false, exchange, problem: `the answer is not XML: ${(error as Error).message}` }
    }
    if (!wrapper) return { ok: false, exchange, problem: `HTTP ${exchange.status} with no SOAP body` }
    if (wrapper.name === 'Fault' && wrapper.ns === SOAP_ENV_NS) {
      const text = (name: string) => wrapper!.children.find((c) => c.name === name)?.text ?? ''
      return { ok: false, exchange, problem: `SOAP fault ${text('faultcode')}: ${text('faultstring')}` }
    }
    try {
      // By name only: a wrapper in the wrong namespace is still read, so that the wire checks can name that mistake.
      const read = readEnvelope(exchange.text, { maxDepth: 64 }, (payload) => (payload?.name === op.responseElement ? op.readResponse : undefined))
      if (read.value === undefined) {
        return { ok: false, exchange, problem: `the answer holds <${read.payload?.name}> in namespace "${read.payload?.ns}", not <${op.responseElement}>` }
      }
      return { ok: true, exchange, wrapper, response: read.value as ErpConnectorWSOperations[K]['response'] }
    } catch (error) {
      return { ok: false, exchange, problem: `the answer does not read as ${op.responseElement}: ${(error as Error).message}` }
    }
  }

  close(): void {
    this.agent.destroy()
  }

  private send(operation: string, body: string, soapAction: string): Promise<Exchange> {
    const bytes = Buffer.from(body, 'utf8')
    const started = process.hrtime.bigint()
    const transport = this.url.startsWith('https:') ? https : http
    return new Promise((resolve, reject) => {
      const request = transport.request(this.url, {
        method: 'POST',
        agent: this.agent,
        timeout: this.options.timeoutMs,
        headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${soapAction}"`, 'content-length': bytes.length, expect: '100-continue' },
      })
      request.on('timeout', () => request.destroy(new Error(`no answer within ${this.options.timeoutMs} ms`)))
      request.on('error', reject)
      request.on('continue', () => request.end(bytes))
      // A server that does not answer 100-continue still gets the body, after a moment, as .NET does.
      const late = setTimeout(() => request.writableEnded || request.end(bytes), 350)
      request.on('response', (response) => {
        clearTimeout(late)
        if (!request.writableEnded) request.end(bytes)
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('error', reject)
        response.on('end', () => {
          const all = Buffer.concat(chunks)
          resolve({
            operation,
            request: body,
            status: response.statusCode ?? 0,
            contentType: String(response.headers['content-type'] ?? ''),
            bytes: all,
            text: all.toString('utf8'),
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          })
        })
      })
    })
  }

  private trace(exchange: Exchange): void {
    if (!this.options.traceDir) return
    const stem = path.join(this.options.traceDir, `${String(this.sequence).padStart(3, '0')}-${exchange.operation}`)
    writeFileSync(`${stem}.request.xml`, exchange.request)
    writeFileSync(`${stem}.response.xml`, exchange.bytes)
    writeFileSync(`${stem}.response.txt`, `HTTP ${exchange.status}\ncontent-type: ${exchange.contentType}\ntime: ${exchange.ms.toFixed(1)} ms\n`)
  }
}
