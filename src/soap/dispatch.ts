/**
 * Which operation a POST calls, and whether its content type is SOAP 1.1, as a WCF BasicHttpBinding host decides:
 * by SOAPAction, checked against the body's element.
 */
import type { Payload } from './envelope.js'
import * as errors from './errors.js'
import type { OperationTypes, SoapOperation, SoapServiceDescription } from './service.js'

type AnyOperation = SoapOperation<unknown, unknown>

/**
 * The SOAPAction header without the quotes clients put around it; '' when there is none.
 * @example
 * soapActionOf('"urn:x/Do"') // 'urn:x/Do'
 */
export function soapActionOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header
  const trimmed = (value ?? '').trim()
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed
}

/**
 * Accepts `text/xml` in UTF-8 (the charset may be left out).
 * @throws VersionMismatch for SOAP 1.2's `application/soap+xml`; UnsupportedContentType for anything else.
 */
export function checkContentType(contentType: string | undefined): void {
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

/** A service's operations by SOAPAction and by request element. */
export class OperationTable {
  readonly namespace: string
  private readonly byAction: Map<string, AnyOperation>
  private readonly byElement = new Map<string, AnyOperation[]>()

  constructor(service: SoapServiceDescription<OperationTypes>) {
    this.namespace = service.namespace
    const operations = Object.values(service.operations) as AnyOperation[]
    this.byAction = new Map(operations.map((op) => [op.soapAction, op]))
    for (const op of operations) this.byElement.set(op.requestElement, [...(this.byElement.get(op.requestElement) ?? []), op])
  }

  /** Is `action` (without quotes) one of the service's? */
  has(action: string): boolean {
    return this.byAction.has(action)
  }

  /**
   * The operation a call names: by its SOAPAction (without quotes), whose request element the body must hold; without
   * one, by the body's element where only one operation takes it.
   * @throws ActionNotSupported for an unknown action, or none and a body that does not name one operation;
   * ActionBodyMismatch when the body holds another element than the action's.
   */
  resolve(action: string, payload: Payload | undefined): AnyOperation {
    if (action === '') {
      // No SOAPAction: the body decides, but only where one operation takes that body element.
      const candidates = payload && payload.ns === this.namespace ? this.byElement.get(payload.name) ?? [] : []
      if (candidates.length === 1) return candidates[0]!
      const element = payload ? `<${payload.name}>` : 'an empty body'
      throw new errors.ActionNotSupported('', `The request has no SOAPAction header, and ${element} does not name one operation: send the header.`)
    }
    const op = this.byAction.get(action)
    if (!op) {
      const known = `Known actions: ${[...this.byAction.keys()].sort().join(', ')}.`
      throw new errors.ActionNotSupported(action, known)
    }
    // An operation without parameters (WSGetConfigData) accepts any body, as WCF does; the rest must match.
    if (op.takesParameters && (payload?.name !== op.requestElement || payload.ns !== this.namespace)) {
      const found = payload ? `<${payload.name}> in namespace "${payload.ns}"` : 'no element'
      throw new errors.ActionBodyMismatch(op.name, `<${op.requestElement}> in namespace "${this.namespace}"`, found)
    }
    return op
  }
}
