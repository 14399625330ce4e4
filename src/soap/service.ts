/**
 * What the SOAP runtime needs to know about one WSDL service; generated/service.ts provides it for
 * IErpConnectorWS, and any other document/literal SOAP 1.1 service generated the same way can use the plugin too.
 */
import type { XmlElement } from './xml.js'

export interface SoapOperation<Request, Response> {
  name: string
  /** The SOAPAction the WSDL binding gives, without quotes. */
  soapAction: string
  /** Local name of the body element a request must carry (in the service namespace). */
  requestElement: string
  /** False when the request wrapper has no parts; such an operation accepts any body, as WCF does. */
  takesParameters: boolean
  responseElement: string
  readRequest(body: XmlElement): Request
  /** The whole response wrapper element, namespaces declared, members in wire order. */
  writeResponse(response: Response): string
  /** For clients: the whole request wrapper element. */
  writeRequest(request: Request): string
  /** For clients: reads a response wrapper element. */
  readResponse(body: XmlElement): Response
}

export type OperationTypes = { [name: string]: { request: unknown; response: unknown } }

export interface SoapServiceDescription<Ops extends { [K in keyof Ops]: { request: unknown; response: unknown } }> {
  /** Path of the WSDL, relative to the project root. */
  wsdlFile: string
  namespace: string
  operations: { [K in keyof Ops]: SoapOperation<Ops[K]['request'], Ops[K]['response']> }
}
