/**
 * What the SOAP runtime needs to know about one WSDL service; generated/service.ts provides it for
 * IErpConnectorWS, and any other document/literal SOAP 1.1 service generated the same way can use the plugin too.
 */
import type { XmlWriter } from './writer.js'
import type { XmlCursor } from './xml.js'

export interface SoapOperation<Request, Response> {
  name: string
  /** The SOAPAction the WSDL binding gives, without quotes. */
  soapAction: string
  /** Local name of the body element a request must carry (in the service namespace). */
  requestElement: string
  /** False when the request wrapper has no parts; such an operation accepts any body, as WCF does. */
  takesParameters: boolean
  responseElement: string
  /** Reads the request wrapper the cursor stands on, through its end tag. */
  readRequest(x: XmlCursor): Request
  /** Writes the whole response wrapper element, namespaces declared, members in wire order (see `writeXml`). */
  writeResponse(w: XmlWriter, response: Response): void
  /** For clients: writes the whole request wrapper element. */
  writeRequest(w: XmlWriter, request: Request): void
  /** For clients: reads a response wrapper element. */
  readResponse(x: XmlCursor): Response
}

export type OperationTypes = { [name: string]: { request: unknown; response: unknown } }

export interface SoapServiceDescription<Ops extends { [K in keyof Ops]: { request: unknown; response: unknown } }> {
  /** Path of the WSDL, relative to the project root. */
  wsdlFile: string
  namespace: string
  operations: { [K in keyof Ops]: SoapOperation<Ops[K]['request'], Ops[K]['response']> }
}
