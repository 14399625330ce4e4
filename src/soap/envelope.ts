/**
 * The SOAP 1.1 envelope: reading one (on the server for requests, in the conformance client for responses) with
 * every way it can be wrong answered by its fault from errors.ts, and writing one around a response.
 */
import * as errors from './errors.js'
import type { SoapOperation } from './service.js'
import { markup, writeXmlLent, type LentBytes } from './writer.js'
import {
  DEFAULT_MAX_ATTRIBUTES,
  DEFAULT_MAX_NAME_LENGTH,
  DEFAULT_MAX_NAMESPACE_DECLARATIONS,
  XmlCursor,
  XmlErrorCode,
  XmlReadError,
  type XmlReadOptions,
} from './xml.js'

/** The element a SOAP Body holds. */
export interface Payload {
  ns: string
  name: string
}

/** Picks the reader for the Body's element (undefined for an empty Body), or undefined to pass the element over. */
export type PayloadChooser<T> = (payload: Payload | undefined) => ((x: XmlCursor) => T) | undefined

/**
 * Reads a SOAP 1.1 envelope in one pass. `choose` sees the Body's element (or undefined for an empty Body) and
 * returns the reader for it, which builds the typed value straight from the text; or undefined to pass it over.
 *
 * Faults keep one order of precedence whatever the order of the mistakes in the text: a document that is not
 * well-formed XML, then what is wrong with the envelope (root, mustUnderstand headers, Body), then what `choose`
 * or the reader throw (unknown action, a value that does not fit its type).
 * @throws the faults of errors.ts for what is wrong with the XML or the envelope; what `choose` or the reader throw.
 * @example
 * readEnvelope(body, { maxDepth: 32 }, (payload) => (payload?.name === 'RequestBase' ? readRequestBase : undefined))
 * // { payload: { ns: '…', name: 'RequestBase' }, value: { ConnectionGuid: '…' } }
 */
export function readEnvelope<T>(
  input: Buffer | string,
  limits: XmlReadOptions,
  choose: PayloadChooser<T>,
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
    throw faultForXmlError(failure, limits)
  }
}

/**
 * The fault that answers an XML reading error, chosen by its code; the limits are those the reader was given.
 * @example
 * faultForXmlError(new XmlReadError(XmlErrorCode.TooDeep, '…'), { maxDepth: 32 }) // a SOAP_NESTING_TOO_DEEP fault naming 32
 */
export function faultForXmlError(error: XmlReadError, limits: XmlReadOptions): Error {
  switch (error.code) {
    case XmlErrorCode.Doctype:
      return new errors.DoctypeForbidden()
    case XmlErrorCode.TooDeep:
      return new errors.NestingTooDeep(limits.maxDepth)
    case XmlErrorCode.TooManyAttributes:
      return new errors.TooManyAttributes(limits.maxAttributes ?? DEFAULT_MAX_ATTRIBUTES, error.message)
    case XmlErrorCode.TooManyNamespaceDeclarations:
      return new errors.TooManyNamespaceDeclarations(limits.maxNamespaceDeclarations ?? DEFAULT_MAX_NAMESPACE_DECLARATIONS, error.message)
    case XmlErrorCode.NameTooLong:
      return new errors.NameTooLong(limits.maxNameLength ?? DEFAULT_MAX_NAME_LENGTH, error.message)
    case XmlErrorCode.Malformed:
      return new errors.MalformedXml(error.message)
  }
}

/** Nothing but white space, as JavaScript's trim knows it (byte order marks included). */
function isBlank(input: Buffer | string): boolean {
  // A body with a "<" in it is not blank; only one without is worth decoding to find out.
  if (typeof input !== 'string') return input.indexOf(60) < 0 && input.toString('utf8').trim() === ''
  return input.trim() === ''
}

function readEnvelopeWith<T>(x: XmlCursor, choose: PayloadChooser<T>): { payload: Payload | undefined; value: T | undefined } {
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
function readPayload<T>(x: XmlCursor, choose: PayloadChooser<T>, found: Payload | undefined): { value?: T; error?: unknown } {
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

const ENVELOPE_OPEN = markup(`<s:Envelope xmlns:s="${errors.SOAP_ENV_NS}"><s:Body>`)
const ENVELOPE_CLOSE = markup('</s:Body></s:Envelope>')
const SEND_AS_TEXT_UP_TO = 16 * 1024

/**
 * The response envelope of an operation: a string when it is small, else pooled bytes the caller releases once
 * they are sent.
 * @throws what the operation's writer throws for a response XML cannot carry.
 */
export function writeEnvelope<Response>(op: SoapOperation<unknown, Response>, response: Response): LentBytes | string {
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
