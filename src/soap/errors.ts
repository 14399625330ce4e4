/**
 * Every SOAP fault the runtime can answer with, declared once: a stable code, the SOAP 1.1 faultcode, and a
 * faultstring that tells the caller what to change. HTTP status is 500, as SOAP 1.1 (section 6.2) and WCF require,
 * except for refusals of the HTTP body itself (too large, an encoding not decoded), which HTTP has statuses for.
 */
import createError from '@fastify/error'

export const SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/'
export const SOAP12_ENV_NS = 'http://www.w3.org/2003/05/soap-envelope'
/** WCF answers an unknown action with this faultcode namespace (addressing "none" for BasicHttpBinding). */
export const WCF_ADDRESSING_NONE_NS = 'http://schemas.microsoft.com/ws/2005/05/addressing/none'

export type FaultCode = 's:Client' | 's:Server' | 's:VersionMismatch' | 's:MustUnderstand' | 'a:ActionNotSupported'

const declared: Array<[string, FaultCode]> = []

function fault(code: string, faultcode: FaultCode, message: string, status = 500) {
  declared.push([code, faultcode])
  return createError(code, message, status)
}

export const MalformedXml = fault('SOAP_MALFORMED_XML', 's:Client', 'The request is not well-formed XML. %s')
export const NestingTooDeep = fault(
  'SOAP_NESTING_TOO_DEEP',
  's:Client',
  'The request nests elements deeper than %d levels; no valid message of this service does that.',
)
export const TooManyAttributes = fault(
  'SOAP_TOO_MANY_ATTRIBUTES',
  's:Client',
  'The request has an element with more than %d attributes (the limit, MAX_ATTRIBUTES); no valid message of this service comes near it. %s',
)
export const TooManyNamespaceDeclarations = fault(
  'SOAP_TOO_MANY_NAMESPACE_DECLARATIONS',
  's:Client',
  'The request has an element with more than %d namespace declarations (the limit, MAX_NAMESPACE_DECLARATIONS); declare each namespace once, on the Envelope. %s',
)
export const NameTooLong = fault(
  'SOAP_NAME_TOO_LONG',
  's:Client',
  'The request has a name or namespace URI longer than %d bytes (the limit, MAX_NAME_LENGTH); no valid message of this service comes near it. %s',
)
export const DoctypeForbidden = fault(
  'SOAP_DOCTYPE_FORBIDDEN',
  's:Client',
  'The request contains a <!DOCTYPE> declaration. SOAP messages must not carry a DTD; remove it.',
)
export const NotAnEnvelope = fault(
  'SOAP_NOT_AN_ENVELOPE',
  's:Client',
  'The request is not a SOAP 1.1 envelope: %s. Send <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>...</s:Body></s:Envelope>.',
)
export const VersionMismatch = fault(
  'SOAP_VERSION_MISMATCH',
  's:VersionMismatch',
  'This endpoint speaks SOAP 1.1 (BasicHttpBinding); the request uses the SOAP 1.2 envelope namespace.',
)
export const MustUnderstand = fault(
  'SOAP_MUST_UNDERSTAND',
  's:MustUnderstand',
  'The SOAP header <%s> is marked mustUnderstand="1" but this endpoint does not process headers.',
)
export const UnsupportedContentType = fault(
  'SOAP_UNSUPPORTED_CONTENT_TYPE',
  's:Client',
  'Content-Type "%s" is not supported. Send SOAP 1.1 as "text/xml; charset=utf-8".',
)
export const BodyTooLarge = fault(
  'SOAP_BODY_TOO_LARGE',
  's:Client',
  'The request body is larger than the limit of %d bytes. Send fewer items per call, or raise the limit (BODY_LIMIT).',
  413,
)
export const UnsupportedContentEncoding = fault(
  'SOAP_UNSUPPORTED_CONTENT_ENCODING',
  's:Client',
  'Content-Encoding "%s" is not supported. Send the body uncompressed, or compressed with gzip or deflate.',
  415,
)
export const ActionNotSupported = fault(
  'SOAP_ACTION_NOT_SUPPORTED',
  'a:ActionNotSupported',
  "The message with Action '%s' cannot be processed at the receiver, due to a ContractFilter mismatch at the EndpointDispatcher. %s",
)
export const ActionBodyMismatch = fault(
  'SOAP_ACTION_BODY_MISMATCH',
  's:Client',
  'The SOAPAction names operation %s, which takes the body element %s, but the body holds %s. Send the SOAPAction that fits the body.',
)
export const BadHttpRequest = fault('SOAP_BAD_HTTP_REQUEST', 's:Client', 'The HTTP request could not be read: %s')
export const InvalidRequestValue = fault('SOAP_INVALID_REQUEST_VALUE', 's:Client', 'The request has an invalid value at %s')
export const InternalError = fault(
  'SOAP_INTERNAL_ERROR',
  's:Server',
  'The server could not process the request (%s). The error is logged with request id %s.',
)

const faultcodes = new Map(declared)

/** The faultcode for an error code declared above; anything else is the server's fault. */
export function faultcodeOf(code: string | undefined): FaultCode {
  return (code && faultcodes.get(code)) || 's:Server'
}
