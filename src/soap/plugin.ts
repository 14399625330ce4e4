/**
 * A Fastify plugin that serves one document/literal SOAP 1.1 service the way a WCF BasicHttpBinding host does:
 * POST dispatches on SOAPAction to typed handlers, GET ?wsdl serves the WSDL with the address the client used.
 * It knows nothing about ERP connectors; generated/service.ts describes the service and the caller supplies handlers.
 * This module only wires the parts into Fastify: transport.ts takes the body, envelope.ts reads and writes envelopes,
 * dispatch.ts picks the operation, faults.ts answers with faults, address.ts gives the address the client used.
 *
 * @example
 * await app.register(soapPlugin, {
 *   path: '/ErpConnectorWS.svc',
 *   service: ErpConnectorWS,
 *   wsdl: await readFile('wsdl/ErpConnectorWS.wsdl', 'utf8'),
 *   handlers: { WSTestConnection: async (request) => ({ State: 'Ok', IsOk: true }), ... },
 * })
 */
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { requestAddress, wsdlWithAddress } from './address.js'
import { SoapReadError } from './codec.js'
import { checkContentType, OperationTable, soapActionOf } from './dispatch.js'
import { readEnvelope, writeEnvelope } from './envelope.js'
import * as errors from './errors.js'
import { faultForRefusal, internalError, sendFault } from './faults.js'
import type { OperationTypes, SoapOperation, SoapServiceDescription } from './service.js'
import { contentEncoding, decodedBody, discardRestOfBody } from './transport.js'
import type { LentBytes } from './writer.js'
import { DEFAULT_MAX_ATTRIBUTES, DEFAULT_MAX_NAME_LENGTH, DEFAULT_MAX_NAMESPACE_DECLARATIONS, type XmlReadOptions } from './xml.js'

export interface SoapCallContext {
  operation: string
  request: FastifyRequest
}

export type SoapHandlers<Ops extends { [K in keyof Ops]: { request: unknown; response: unknown } }> = {
  [K in keyof Ops]: (request: Ops[K]['request'], context: SoapCallContext) => Promise<Ops[K]['response']> | Ops[K]['response']
}

export interface SoapPluginOptions<Ops extends { [K in keyof Ops]: { request: unknown; response: unknown } }> {
  /** URL path of the endpoint, e.g. `/ErpConnectorWS.svc`. */
  path: string
  service: SoapServiceDescription<Ops>
  /** The WSDL text; its `soap:address location` is rewritten per request to the address the client used. */
  wsdl: string
  handlers: SoapHandlers<Ops>
  /**
   * Turns an error thrown by a handler (or by writing its response) into a normal response, as a WCF host with an
   * error-handling behaviour does, and logs it as it sees fit. Return undefined to answer with a SOAP fault instead.
   */
  errorResponse?: <K extends keyof Ops>(operation: K, error: unknown, log: FastifyBaseLogger) => Ops[K]['response'] | undefined
  /** Extra fields for the one log line written per call (e.g. a connection id and the outcome). */
  logFields?: (operation: string, request: unknown, response: unknown) => Record<string, unknown>
  /** Sees each answered call, with what its log line says (e.g. to count calls for /metrics). */
  onCall?: (call: SoapCallRecord) => void
  /** Sees each SOAP fault answered, by its stable code (e.g. SOAP_MALFORMED_XML). */
  onFault?: (code: string) => void
  /**
   * Sees first each POST whose SOAPAction is none of the service's (another contract served on the same address):
   * answers it and returns a promise, or returns undefined to leave it to the plugin.
   */
  otherAction?: (action: string, body: Buffer, request: FastifyRequest, reply: FastifyReply) => Promise<void> | undefined
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number
  /** Deepest element nesting accepted in a request. */
  maxDepth?: number
  /** Most attributes on one element of a request. */
  maxAttributes?: number
  /** Most namespace declarations on one element of a request. */
  maxNamespaceDeclarations?: number
  /** Longest element or attribute name, or namespace URI, in a request, in bytes. */
  maxNameLength?: number
}

/** One answered call, as its log line tells it. */
export interface SoapCallRecord {
  operation: string
  /** The logFields option's fields. */
  fields: Record<string, unknown> | undefined
  durationMs: number
  /** The request body, decoded, and the response body, in bytes. */
  requestBytes: number
  responseBytes: number
}

export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024
export const DEFAULT_MAX_DEPTH = 32

const CONTENT_TYPE = 'text/xml; charset=utf-8'

type AnyOperation = SoapOperation<unknown, unknown>

class RawBody {
  constructor(
    readonly bytes: Buffer,
    readonly contentType: string | undefined,
  ) {}
}

export async function soapPlugin<Ops extends { [K in keyof Ops]: { request: unknown; response: unknown } }>(
  app: FastifyInstance,
  options: SoapPluginOptions<Ops>,
): Promise<void> {
  const service = options.service as unknown as SoapServiceDescription<OperationTypes>
  const handlers = options.handlers as unknown as Record<string, (request: unknown, context: SoapCallContext) => unknown>
  const answering = options as unknown as AnswerOptions
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT
  const limits: Required<XmlReadOptions> = {
    maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH,
    maxAttributes: options.maxAttributes ?? DEFAULT_MAX_ATTRIBUTES,
    maxNamespaceDeclarations: options.maxNamespaceDeclarations ?? DEFAULT_MAX_NAMESPACE_DECLARATIONS,
    maxNameLength: options.maxNameLength ?? DEFAULT_MAX_NAME_LENGTH,
  }
  for (const op of Object.values(service.operations) as AnyOperation[]) {
    if (typeof handlers[op.name] !== 'function') throw new TypeError(`soapPlugin: no handler for operation ${op.name}`)
  }
  const operations = new OperationTable(service)

  // Every body is taken as bytes: the content type is judged by the handler (so that a wrong one gets a SOAP fault,
  // not Fastify's 415), and UTF-8 is decoded strictly (so that bad bytes are refused rather than replaced).
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
    done(null, new RawBody(body as Buffer, request.headers['content-type']))
  })
  // A compressed body is decoded before the limit is applied, so that the limit holds for the decoded bytes.
  app.addHook('preParsing', (request, _reply, payload, done) => {
    if (request.method !== 'POST' || request.headers['content-encoding'] === undefined) return done(null, payload)
    let encoding: ReturnType<typeof contentEncoding>
    try {
      encoding = contentEncoding(request.headers['content-encoding'])
    } catch (error) {
      return done(error as Error)
    }
    done(null, encoding === 'identity' ? payload : decodedBody(payload, encoding, bodyLimit))
  })

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, request, reply) => {
    if (!request.raw.complete) {
      // Refused before its body was read: read the rest and throw it away (bounded) instead of closing, as a client
      // that writes its whole request before it reads would otherwise lose the answer to a reset.
      reply.removeHeader('connection')
      discardRestOfBody(request.raw, bodyLimit)
    }
    const fault = faultForRefusal(error, { bodyLimit, contentType: request.headers['content-type'] }) ?? internalError(request, error)
    return sendFault(reply, fault, options.onFault)
  })

  // Not async: a small call is a few microseconds of work, and each promise a handler does not make itself is a
  // measurable share of it.
  app.post(options.path, (request, reply) => {
    const started = process.hrtime.bigint()
    const raw = request.body instanceof RawBody ? request.body : new RawBody(Buffer.alloc(0), request.headers['content-type'])
    checkContentType(raw.contentType)
    const action = soapActionOf(request.headers.soapaction)
    if (options.otherAction && !operations.has(action)) {
      const other = options.otherAction(action, raw.bytes, request, reply)
      if (other) return other
    }
    let op: AnyOperation | undefined
    let input: unknown
    try {
      input = readEnvelope(raw.bytes, limits, (payload) => {
        op = operations.resolve(action, payload)
        return op.requestElement === payload?.name && payload.ns === operations.namespace ? op.readRequest : undefined
      }).value ?? {}
    } catch (error) {
      if (error instanceof SoapReadError) throw new errors.InvalidRequestValue(error.message)
      throw error
    }
    if (!op) throw new errors.NotAnEnvelope('it has no <s:Body>')
    const called = op
    let pending: unknown
    try {
      pending = handlers[called.name]!(input, { operation: called.name, request })
    } catch (error) {
      answerFailure(answering, request, reply, called, input, error, started)
      return
    }
    // Answered here, the handler returns nothing for Fastify to wait on or send.
    if (!isThenable(pending)) {
      answer(answering, request, reply, called, input, pending, started)
      return
    }
    return pending.then(
      (response) => answer(answering, request, reply, called, input, response, started),
      (error: unknown) => answerFailure(answering, request, reply, called, input, error, started),
    )
  })

  app.get(options.path, async (request, reply) => {
    const query = Object.keys(request.query as Record<string, unknown>).map((k) => k.toLowerCase())
    const address = requestAddress(request)
    if (query.includes('wsdl') || query.includes('singlewsdl')) {
      return reply.header('content-type', CONTENT_TYPE).send(wsdlWithAddress(options.wsdl, address))
    }
    return reply
      .header('content-type', 'text/plain; charset=utf-8')
      .send(`This is a SOAP 1.1 endpoint. Its WSDL is at ${address}${address.includes('?') ? '&' : '?'}wsdl\n`)
  })
}

/** The options that shape an answer, typed for any operation. */
interface AnswerOptions {
  errorResponse?: (operation: string, error: unknown, log: FastifyBaseLogger) => unknown
  logFields?: (operation: string, request: unknown, response: unknown) => Record<string, unknown>
  onCall?: (call: SoapCallRecord) => void
}

function answer(options: AnswerOptions, request: FastifyRequest, reply: FastifyReply, op: AnyOperation, input: unknown, response: unknown, started: bigint): void {
  let xml: LentBytes | string
  try {
    xml = writeEnvelope(op, response)
  } catch (error) {
    answerFailure(options, request, reply, op, input, error, started)
    return
  }
  send(options, request, reply, op, input, response, xml, started)
}

/** A handler's error (or one writing its response) is answered with the errorResponse option's response, or a fault. */
function answerFailure(options: AnswerOptions, request: FastifyRequest, reply: FastifyReply, op: AnyOperation, input: unknown, error: unknown, started: bigint): void {
  const fallback = options.errorResponse?.(op.name, error, request.log)
  if (fallback === undefined) throw internalError(request, error)
  send(options, request, reply, op, input, fallback, writeEnvelope(op, fallback), started)
}

function send(options: AnswerOptions, request: FastifyRequest, reply: FastifyReply, op: AnyOperation, input: unknown, response: unknown, xml: LentBytes | string, started: bigint): void {
  const logged = options.logFields?.(op.name, input, response)
  const durationMs = Number(process.hrtime.bigint() - started) / 1e6
  request.log.info({ operation: op.name, ...logged, durationMs }, `${op.name} answered`)
  if (options.onCall) {
    const requestBytes = request.body instanceof RawBody ? request.body.bytes.length : 0
    const responseBytes = typeof xml === 'string' ? Buffer.byteLength(xml) : xml.bytes.length
    options.onCall({ operation: op.name, fields: logged, durationMs, requestBytes, responseBytes })
  }
  reply.code(200).header('content-type', CONTENT_TYPE)
  if (typeof xml === 'string') {
    reply.send(xml)
    return
  }
  // The buffer goes back to the pool once the socket has taken all of it ('finish'); an answer cut off before
  // that leaves it to the garbage collector, as the socket may still hold it.
  reply.raw.once('finish', () => xml.release())
  reply.send(xml.bytes)
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function'
}
