/**
 * The address a client used to reach the endpoint, for the WSDL's `soap:address` and the plain GET's pointer to it.
 */
import { escapeAttribute } from './writer.js'

/** What the address is made from: Fastify's request gives these (from X-Forwarded-Host/-Proto when trustProxy is on). */
export interface AddressedRequest {
  /** The Host header (or X-Forwarded-Host), with its port. */
  host: string
  protocol: string
  /** The path and query as requested. */
  url: string
}

const HOST = /^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$/
const WSDL_QUERY = /^(wsdl|singlewsdl)(=|$)/i

/**
 * The address the client used: its host (`localhost` when the header is not a host name or IP address, so that
 * nothing a client sends lands in the WSDL unchecked), http or https, the path as requested (it may hold an access
 * token), and the query without ?wsdl or ?singleWsdl (what is left may pick a connector).
 * @example
 * requestAddress({ host: 'erp.example.com:8443', protocol: 'https', url: '/ErpConnectorWS.svc?ConnectorName=Memory&wsdl' })
 * // 'https://erp.example.com:8443/ErpConnectorWS.svc?ConnectorName=Memory'
 */
export function requestAddress(request: AddressedRequest): string {
  const host = HOST.test(request.host) ? request.host : 'localhost'
  const protocol = request.protocol === 'https' ? 'https' : 'http'
  const split = request.url.indexOf('?')
  const path = split < 0 ? request.url : request.url.slice(0, split)
  const query = split < 0 ? '' : request.url.slice(split + 1)
  const kept = query.split('&').filter((part) => part !== '' && !WSDL_QUERY.test(part))
  return `${protocol}://${host}${path}${kept.length > 0 ? `?${kept.join('&')}` : ''}`
}

/**
 * The WSDL with its (first) `soap:address location` set to `address`, escaped for the attribute.
 * @example
 * wsdlWithAddress(wsdl, 'http://erp:8080/ErpConnectorWS.svc?a=1&b=2') // …<soap:address location="http://erp:8080/ErpConnectorWS.svc?a=1&amp;b=2"/>…
 */
export function wsdlWithAddress(wsdl: string, address: string): string {
  // A function, not a replacement string: in one, a `$&` or `$'` in the client's query would insert parts of the WSDL.
  const location = escapeAttribute(address)
  return wsdl.replace(/(<soap:address\s+location=")[^"]*(")/, (_match, open: string, close: string) => `${open}${location}${close}`)
}
