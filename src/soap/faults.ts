/**
 * Answering with a SOAP 1.1 fault: which fault a refused HTTP request gets, the fault envelope, and the reply.
 * Only the faults declared in errors.ts (codes starting with `SOAP_`) show their message; anything else is an
 * internal error whose details go to the log, never to the client.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import * as errors from './errors.js'
import { escapeText } from './writer.js'
import { xmlSafe } from './xml.js'

/** An error as Fastify and errors.ts give them: a stable code, and an HTTP status for some. */
export type CodedError = Error & { code?: string; statusCode?: number }

const CONTENT_TYPE = 'text/xml; charset=utf-8'

function isSoapFault(error: CodedError): boolean {
  return error.code?.startsWith('SOAP_') ?? false
}

/**
 * The fault for an error Fastify raised before a handler ran (body too large, a content type or body it could not
 * take), or one of errors.ts passed through; undefined for anything else, which is the server's own failure.
 * @example
 * faultForRefusal(Object.assign(new Error('…'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE' }), { bodyLimit: 1024, contentType: 'text/xml' })
 * // a SOAP_BODY_TOO_LARGE fault naming 1024 bytes
 */
export function faultForRefusal(error: CodedError, request: { bodyLimit: number; contentType: string | undefined }): CodedError | undefined {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new errors.BodyTooLarge(request.bodyLimit)
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new errors.UnsupportedContentType(request.contentType || '(none)')
  if (error.statusCode !== undefined && error.statusCode < 500 && !isSoapFault(error)) return new errors.BadHttpRequest(error.message)
  return isSoapFault(error) ? error : undefined
}

/** Logs a failure the client cannot fix, and the fault that answers it, which names only the error's kind and the request id. */
export function internalError(request: FastifyRequest, error: unknown): CodedError {
  request.log.error({ err: error }, 'request failed')
  return new errors.InternalError(error instanceof Error ? error.name : 'unknown error', request.id)
}

/**
 * The fault envelope for an error, with its HTTP status: a fault of errors.ts with its own faultcode, message and
 * status; anything else as `s:Server` with a message that gives nothing away, and 500.
 * @example
 * faultEnvelope(new errors.VersionMismatch()).faultcode // 's:VersionMismatch'
 */
export function faultEnvelope(error: CodedError): { status: number; faultcode: errors.FaultCode; message: string; body: string } {
  const faultcode = errors.faultcodeOf(error.code)
  const namespaces = faultcode.startsWith('a:') ? ` xmlns:a="${errors.WCF_ADDRESSING_NONE_NS}"` : ''
  const message = isSoapFault(error) ? error.message : 'The server could not process the request.'
  const body =
    `<s:Envelope xmlns:s="${errors.SOAP_ENV_NS}"><s:Body><s:Fault${namespaces}>` +
    `<faultcode>${faultcode}</faultcode><faultstring xml:lang="en-US">${escapeText(xmlSafe(message))}</faultstring>` +
    `</s:Fault></s:Body></s:Envelope>`
  const status = isSoapFault(error) ? (error.statusCode ?? 500) : 500
  return { status, faultcode, message, body }
}

/** Answers with the fault for `error`, logs it, and tells `onFault` its code. */
export function sendFault(reply: FastifyReply, error: CodedError, onFault?: (code: string) => void): FastifyReply {
  const fault = faultEnvelope(error)
  onFault?.(error.code ?? 'SOAP_INTERNAL_ERROR')
  reply.log.info({ faultcode: fault.faultcode, code: error.code }, `SOAP fault: ${fault.message}`)
  return reply.code(fault.status).header('content-type', CONTENT_TYPE).send(fault.body)
}
