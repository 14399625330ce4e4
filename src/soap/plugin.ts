/**
 * A Fastify plugin that serves one document/literal SOAP 1.1 service the way a WCF BasicHttpBinding host does:
 * POST dispatches on SOAPAction to typed handlers, GET ?wsdl serves the WSDL with the address the client used.
 * It knows nothing about ERP connectors; generated/service.ts describes the service and the caller supplies handlers.
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
import { SoapReadError } from './codec.js'
import * as errors from './errors.js'
import type { SoapOperation, SoapServiceDescription } from './service.js'
import { contentEncoding, decodedBody, discardRestOfBody } from './transport.js'
import { escapeAttribute, escapeText, markup, writeXmlLent, type LentBytes } from './writer.js'
import { DEFAULT_MAX_ATTRIBUTES, DEFAULT_MAX_NAME_LENGTH, DEFAULT_MAX_NAMESPACE_DECLARATIONS, XmlCursor, XmlErrorCode, XmlReadError, xmlSafe, type XmlReadOptions } from './xml.js'

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
export { DEFAULT_MAX_ATTRIBUTES, DEFAULT_MAX_NAME_LENGTH, DEFAULT_MAX_NAMESPACE_DECLARATIONS }

const CONTENT_TYPE = 'text/xml; charset=utf-8'
const ENVELOPE_OPEN = markup(`<s:Envelope xmlns:s="${errors.SOAP_ENV_NS}"><s:Body>`)
const ENVELOPE_CLOSE = markup('</s:Body></s:Envelope>')
const SEND_AS_TEXT_UP_TO = 16 * 1024

type AnyOps = { [name: string]: { request: unknown; response: unknown } }
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
  const service = options.service as unknown as SoapServiceDescription<AnyOps>
  const handlers = options.handlers as unknown as Record<string, (request: unknown, context: SoapCallContext) => unknown>
  const errorResponse = options.errorResponse as ((operation: string, error: unknown, log: FastifyBaseLogger) => unknown) | undefined
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT
  const limits: Required<XmlReadOptions> = {
    maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH,
    maxAttributes: options.maxAttributes ?? DEFAULT_MAX_ATTRIBUTES,
    maxNamespaceDeclarations: options.maxNamespaceDeclarations ?? DEFAULT_MAX_NAMESPACE_DECLARATIONS,
    maxNameLength: options.maxNameLength ?? DEFAULT_MAX_NAME_LENGTH,
  }
  const operations = Object.values(service.operations) as AnyOperation[]
  for (const op of operations) {
    if (typeof handlers[op.name] !== 'function') throw new TypeError(`soapPlugin: no handler for operation ${op.name}`)
  }
  const byAction = new Map(operations.map((op) => [op.soapAction, op]))
  const byElement = new Map<string, AnyOperation[]>()
  for (const op of operations) byElement.set(op.requestElement, [...(byElement.get(op.requestElement) ?? []), op])

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
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendFault(reply, new errors.BodyTooLarge(bodyLimit), options.onFault)
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendFault(reply, new errors.UnsupportedContentType(request.headers['content-type'] || '(none)'), options.onFault)
    }
    if (error.statusCode !== undefined && error.statusCode < 500 && !(error.code ?? '').startsWith('SOAP_')) {
      return sendFault(reply, new errors.BadHttpRequest(error.message), options.onFault)
    }
    return sendFault(reply, error.code?.startsWith('SOAP_') ? error : internal(request, error), options.onFault)
  })

  // Not async: a small call is a few microseconds of work, and each promise a handler does not make itself is a
  // measurable share of it.
  app.post(options.path, (request, reply) => {
    const started = process.hrtime.bigint()
    const raw = request.body instanceof RawBody ? request.body : new RawBody(Buffer.alloc(0), request.headers['content-type'])
    checkContentType(raw.contentType)
    if (options.otherAction) {
      const header = request.headers.soapaction
      const action = unquote(Array.isArray(header) ? header[0] : header)
      const other = byAction.has(action) ? undefined : options.otherAction(action, raw.bytes, request, reply)
      if (other) return other
    }
    let op: AnyOperation | undefined
    let input: unknown
    try {
      input = readEnvelope(raw.bytes, limits, (payload) => {
        op = resolveOperation(request.headers.soapaction, payload)
        return op.requestElement === payload?.name && payload.ns === service.namespace ? op.readRequest : undefined
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
      answerFailure(request, reply, called, input, error, started)
      return
    }
    // Answered here, the handler returns nothing for Fastify to wait on or send.
    if (!isThenable(pending)) {
      answer(request, reply, called, input, pending, started)
      return
    }
    return pending.then(
      (response) => answer(request, reply, called, input, response, started),
      (error: unknown) => answerFailure(request, reply, called, input, error, started),
    )
  })

  app.get(options.path, async (request, reply) => {
    const query = Object.keys(request.query as Record<string, unknown>).map((k) => k.toLowerCase())
    const address = requestAddress(request)
    if (query.includes('wsdl') || query.includes('singlewsdl')) {
      const wsdl = options.wsdl.replace(/(<soap:address\s+location=")[^"]*(")/, `$1${escapeAttribute(address)}$2`)
      return reply.header('content-type', CONTENT_TYPE).send(wsdl)
    }
    return reply
      .header('content-type', 'text/plain; charset=utf-8')
      .send(`This is a SOAP 1.1 endpoint. Its WSDL is at ${address}${address.includes('?') ? '&' : '?'}wsdl\n`)
  })

  function answer(request: FastifyRequest, reply: FastifyReply, op: AnyOperation, input: unknown, response: unknown, started: bigint): void {
    let xml: LentBytes | string
    try {
      xml = writeEnvelope(op, response)
    } catch (error) {
      answerFailure(request, reply, op, input, error, started)
      return
    }
    send(request, reply, op, input, response, xml, started)
  }

  /** A handler's error (or one writing its response) is answered with the errorResponse option's response, or a fault. */
  function answerFailure(request: FastifyRequest, reply: FastifyReply, op: AnyOperation, input: unknown, error: unknown, started: bigint): void {
    const fallback = errorResponse?.(op.name, error, request.log)
    if (fallback === undefined) throw internal(request, error)
    send(request, reply, op, input, fallback, writeEnvelope(op, fallback), started)
  }

  function send(request: FastifyRequest, reply: FastifyReply, op: AnyOperation, input: unknown, response: unknown, xml: LentBytes | string, started: bigint): void {
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

  function resolveOperation(header: string | string[] | undefined, payload: Payload | undefined): AnyOperation {
    const action = unquote(Array.isArray(header) ? header[0] : header)
    if (action === '') {
      // No SOAPAction: the body decides, but only where one operation takes that body element.
      const candidates = payload && payload.ns === service.namespace ? byElement.get(payload.name) ?? [] : []
      if (candidates.length === 1) return candidates[0]!
      const element = payload ? `<${payload.name}>` : 'an empty body'
      throw new errors.ActionNotSupported('', `The request has no SOAPAction header, and ${element} does not name one operation: send the header.`)
    }
    const op = byAction.get(action)
    if (!op) {
      const known = `Known actions: ${[...byAction.keys()].sort().join(', ')}.`
      throw new errors.ActionNotSupported(action, known)
    }
    // An operation without parameters (WSGetConfigData) accepts any body, as WCF does; the rest must match.
    if (op.takesParameters && (payload?.name !== op.requestElement || payload.ns !== service.namespace)) {
      const found = payload ? `<${payload.name}> in namespace "${payload.ns}"` : 'no element'
      throw new errors.ActionBodyMismatch(op.name, `<${op.requestElement}> in namespace "${service.namespace}"`, found)
    }
    return op
  }
}

function writeEnvelope(op: AnyOperation, response: unknown): LentBytes | string {
  const lent = writeXmlLent((w) => {
    w.raw(ENVELOPE_OPEN)
    op.writeResponse(w, response)
    w.raw(ENVELOPE_CLOSE)
  })
  if (lent.bytes.length > SEND_AS_TEXT_UP_TO) return lent
  // Node writes a string body in one go with the headers, but a Buffer as a second chunk (writev): for small
  // answers the extra chunk costs more than decoding the bytes back into a string.
  const text = lent.bytes.toString('utf8')
  lent.release()
  return text
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function'
}

function unquote(action: string | undefined): string {
  const trimmed = (action ?? '').trim()
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed
}

function checkContentType(contentType: string | undefined): void {
  // What every WCF client sends; parsing it on each call is a measurable share of a small call.
  if (contentType === 'text/xml; charset=utf-8') return
  const [mediaType = '', ...params] = (contentType ?? '').split(';').map((p) => p.trim())
  if (mediaType.toLowerCase() === 'application/soap+xml') throw new errors.VersionMismatch()
  if (mediaType.toLowerCase() !== 'text/xml') throw new errors.UnsupportedContentType(contentType ?? '(none)')
  for (const param of params) {
    const [name, value = ''] = param.split('=').map((p) => p.trim())
    if (name?.toLowerCase() === 'charset' && !/^"?utf-8"?$/i.test(value)) {
      throw new errors.UnsupportedContentType(contentType!)
    }
  }
}

/** The element a SOAP Body holds. */
export interface Payload {
  ns: string
  name: string
}

/**
 * Reads a SOAP 1.1 envelope in one pass. `choose` sees the Body's element (or undefined for an empty Body) and
 * returns the reader for it, which builds the typed value straight from the text; or undefined to pass it over.
 *
 * Faults keep one order of precedence whatever the order of the mistakes in the text: a document that is not
 * well-formed XML, then what is wrong with the envelope (root, mustUnderstand headers, Body), then what `choose`
 * or the reader throw (unknown action, a value that does not fit its type).
 */
export function readEnvelope<T>(
  input: Buffer | string,
  limits: XmlReadOptions,
  choose: (payload: Payload | undefined) => ((x: XmlCursor) => T) | undefined,
): { payload: Payload | undefined; value: T | undefined } {
  // Invalid UTF-8 is the cursor's to refuse, as malformed XML: it checks the bytes once for every reader.
  if (isBlank(input)) throw new errors.NotAnEnvelope('the body is empty')
  let x: XmlCursor | undefined
  try {
    // Bytes as they came: the cursor reads them without making the whole body one string first.
    x = new XmlCursor(input, limits)
    return readEnvelopeWith(x, choose)
  } catch (error) {
    let failure = error
    if (!(error instanceof XmlReadError) && x) {
      // Whatever else is wrong, a document that is not well-formed is answered as such.
      try {
        x.drain()
      } catch (later) {
        if (later instanceof XmlReadError) failure = later
      }
    }
    if (!(failure instanceof XmlReadError)) throw failure
    switch (failure.code) {
      case XmlErrorCode.Doctype:
        throw new errors.DoctypeForbidden()
      case XmlErrorCode.TooDeep:
        throw new errors.NestingTooDeep(limits.maxDepth)
      case XmlErrorCode.TooManyAttributes:
        throw new errors.TooManyAttributes(limits.maxAttributes ?? DEFAULT_MAX_ATTRIBUTES, failure.message)
      case XmlErrorCode.TooManyNamespaceDeclarations:
        throw new errors.TooManyNamespaceDeclarations(limits.maxNamespaceDeclarations ?? DEFAULT_MAX_NAMESPACE_DECLARATIONS, failure.message)
      case XmlErrorCode.NameTooLong:
        throw new errors.NameTooLong(limits.maxNameLength ?? DEFAULT_MAX_NAME_LENGTH, failure.message)
      default:
        throw new errors.MalformedXml(failure.message)
    }
  }
}

/** Nothing but white space, as JavaScript's trim knows it (byte order marks included). */
function isBlank(input: Buffer | string): boolean {
  // A body with a "<" in it is not blank; only one without is worth decoding to find out.
  if (typeof input !== 'string') return input.indexOf(60) < 0 && input.toString('utf8').trim() === ''
  return input.trim() === ''
}

function readEnvelopeWith<T>(
  x: XmlCursor,
  choose: (payload: Payload | undefined) => ((x: XmlCursor) => T) | undefined,
): { payload: Payload | undefined; value: T | undefined } {
  x.root()
  if (x.name === 'Envelope' && x.ns === errors.SOAP12_ENV_NS) throw new errors.VersionMismatch()
  if (x.name !== 'Envelope' || x.ns !== errors.SOAP_ENV_NS) {
    throw new errors.NotAnEnvelope(`the root element is <${x.name}> in namespace "${x.ns}"`)
  }
  let bodies = 0
  let payloads = 0
  let payload: Payload | undefined
  let read: { value?: T; error?: unknown } = {}
  while (x.enterChild()) {
    const isHeader = x.at(errors.SOAP_ENV_NS, 'Header')
    // Only the first Body counts, as before; any other element of the envelope is passed over.
    if (!isHeader && !(x.at(errors.SOAP_ENV_NS, 'Body') && ++bodies === 1)) x.skip()
    else if (isHeader) {
      while (x.enterChild()) {
        const mustUnderstand = x.attributes.get(`{${errors.SOAP_ENV_NS}}mustUnderstand`)?.trim()
        if (mustUnderstand === '1' || mustUnderstand === 'true') throw new errors.MustUnderstand(`{${x.ns}}${x.name}`)
        x.skip()
      }
    } else {
      while (x.enterChild()) {
        if (++payloads > 1) x.skip()
        else read = readPayload(x, choose, (payload = { ns: x.ns, name: x.name }))
      }
      if (payloads === 0) read = readPayload(x, choose, undefined)
    }
  }
  x.end()
  if (bodies === 0) throw new errors.NotAnEnvelope('it has no <s:Body>')
  // After the loop, so that a mustUnderstand header anywhere in the envelope is answered first.
  if (payloads > 1) throw new errors.NotAnEnvelope(`<s:Body> holds ${payloads} elements; send one`)
  // What choose or the reader threw waited until the rest of the envelope was known to be sound.
  if ('error' in read) throw read.error
  return { payload, value: read.value }
}

/** Reads the Body's element (if any) with the reader `choose` gives; an error is handed back, not thrown. */
function readPayload<T>(
  x: XmlCursor,
  choose: (payload: Payload | undefined) => ((x: XmlCursor) => T) | undefined,
  found: Payload | undefined,
): { value?: T; error?: unknown } {
  const depth = x.depth
  try {
    const reader = choose(found)
    if (reader && found) return { value: reader(x) }
    if (found) x.skip()
    return {}
  } catch (error) {
    if (error instanceof XmlReadError) throw error
    if (found) x.leave(depth)
    return { error }
  }
}

/**
 * The address the client used: from Host (or X-Forwarded-Host/-Proto when Fastify's trustProxy is on), the path as
 * requested (it may hold an access token), and the query without ?wsdl (it may pick a connector).
 */
function requestAddress(request: FastifyRequest): string {
  const host = /^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$/.test(request.host) ? request.host : 'localhost'
  const protocol = request.protocol === 'https' ? 'https' : 'http'
  const split = request.url.indexOf('?')
  const path = split < 0 ? request.url : request.url.slice(0, split)
  const query = split < 0 ? '' : request.url.slice(split + 1)
  const kept = query.split('&').filter((part) => part !== '' && !/^(wsdl|singlewsdl)(=|$)/i.test(part))
  return `${protocol}://${host}${path}${kept.length > 0 ? `?${kept.join('&')}` : ''}`
}

function internal(request: FastifyRequest, error: unknown): Error {
  request.log.error({ err: error }, 'request failed')
  return new errors.InternalError(error instanceof Error ? error.name : 'unknown error', request.id)
}

function sendFault(reply: FastifyReply, error: Error & { code?: string }, onFault?: (code: string) => void): FastifyReply {
  const faultcode = errors.faultcodeOf(error.code)
  onFault?.(error.code ?? 'SOAP_INTERNAL_ERROR')
  const namespaces = faultcode.startsWith('a:') ? ` xmlns:a="${errors.WCF_ADDRESSING_NONE_NS}"` : ''
  const message = error.code?.startsWith('SOAP_') ? error.message : 'The server could not process the request.'
  const body =
    `<s:Envelope xmlns:s="${errors.SOAP_ENV_NS}"><s:Body><s:Fault${namespaces}>` +
    `<faultcode>${faultcode}</faultcode><faultstring xml:lang="en-US">${escapeText(xmlSafe(message))}</faultstring>` +
    `</s:Fault></s:Body></s:Envelope>`
  reply.log.info({ faultcode, code: error.code }, `SOAP fault: ${message}`)
  const status = error.code?.startsWith('SOAP_') ? ((error as { statusCode?: number }).statusCode ?? 500) : 500
  return reply.code(status).header('content-type', CONTENT_TYPE).send(body)
}
