/**
 * The WSDL as a namespace-resolved element tree in which every element keeps the namespace prefixes in scope on it,
 * so that QName-valued attributes (`type="tns:X"`, `element="e:Y"`) resolve as XML Schema says, whatever prefixes
 * (or default namespace) the document uses and wherever it declares them.
 *
 * The project's reader (src/soap/xml.ts) checks the document first: it is the strict one (well-formedness,
 * entities, no DOCTYPE) and gives the clearest message. Its tree drops namespace declarations once resolved, so the
 * tree itself is built from fast-xml-parser's ordered output, which keeps them as attributes.
 */
import { XMLParser } from 'fast-xml-parser'
import { readXml, XmlReadError } from '../../src/soap/xml.js'
import { fail, type QName } from './model.js'

const XML_NS = 'http://www.w3.org/XML/1998/namespace'

export interface WsdlElement {
  readonly ns: string
  readonly name: string
  readonly children: WsdlElement[]
  /** Character data directly inside the element, decoded. */
  readonly text: string
  /** Attributes other than namespace declarations, by `{namespace}local` (or `local` when unqualified). */
  readonly attributes: ReadonlyMap<string, string>
  /** Prefix ('' for the default namespace) to namespace URI, for every declaration in scope on this element. */
  readonly scope: ReadonlyMap<string, string>
}

/** fast-xml-parser's ordered node: `{ tag: children, ':@': attributes }` or `{ '#text': text }`. */
type OrderedNode = Record<string, unknown>

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  // Character references (&#10;): fast-xml-parser decodes them only with this; the named HTML entities it also
  // accepts never get here, since the strict reader refuses undeclared entities first.
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: '#cdata',
})

/**
 * Parses a WSDL (or any schema document) into elements with their in-scope namespaces.
 *
 * @example parseDocument('<w:definitions xmlns:w="http://schemas.xmlsoap.org/wsdl/"/>').ns === WSDL
 */
export function parseDocument(text: string, source = 'the WSDL'): WsdlElement {
  try {
    readXml(text, { maxDepth: 64 })
  } catch (error) {
    if (error instanceof XmlReadError) fail(`${source} is not well-formed XML: ${error.message}`)
    throw error
  }
  const roots = (parser.parse(text) as OrderedNode[]).filter(isElement)
  if (roots.length !== 1) fail(`${source} must have exactly one root element`)
  return build(roots[0]!, new Map([['xml', XML_NS]]))
}

function isElement(node: OrderedNode): boolean {
  return Object.keys(node).some((k) => k !== ':@' && k !== '#text' && k !== '#cdata')
}

function build(node: OrderedNode, parentScope: ReadonlyMap<string, string>): WsdlElement {
  const qname = Object.keys(node).find((k) => k !== ':@')!
  const raw = (node[':@'] ?? {}) as Record<string, string>
  let scope = parentScope
  for (const [attribute, value] of Object.entries(raw)) {
    if (attribute !== 'xmlns' && !attribute.startsWith('xmlns:')) continue
    if (scope === parentScope) scope = new Map(parentScope)
    ;(scope as Map<string, string>).set(attribute === 'xmlns' ? '' : attribute.slice('xmlns:'.length), value)
  }
  const attributes = new Map<string, string>()
  for (const [attribute, value] of Object.entries(raw)) {
    if (attribute === 'xmlns' || attribute.startsWith('xmlns:')) continue
    // Unprefixed attributes are in no namespace (Namespaces in XML 1.0, section 6.2).
    const colon = attribute.indexOf(':')
    attributes.set(colon < 0 ? attribute : `{${namespaceOf(attribute.slice(0, colon), scope, attribute)}}${attribute.slice(colon + 1)}`, value)
  }
  const colon = qname.indexOf(':')
  const children: WsdlElement[] = []
  let text = ''
  for (const child of node[qname] as OrderedNode[]) {
    if ('#text' in child) text += String(child['#text'])
    else if ('#cdata' in child) text += (child['#cdata'] as OrderedNode[]).map((c) => String(c['#text'] ?? '')).join('')
    else children.push(build(child, scope))
  }
  return {
    ns: namespaceOf(colon < 0 ? '' : qname.slice(0, colon), scope, qname),
    name: colon < 0 ? qname : qname.slice(colon + 1),
    children,
    text,
    attributes,
    scope,
  }
}

function namespaceOf(prefix: string, scope: ReadonlyMap<string, string>, qname: string): string {
  const ns = scope.get(prefix)
  if (ns !== undefined) return ns
  // An unprefixed name with no default namespace declared is in no namespace.
  return prefix === '' ? '' : fail(`the prefix "${prefix}" of ${qname} is not declared`)
}

/**
 * Resolves a QName-valued attribute (`type="tns:X"`) against the namespaces in scope on the element that carries
 * it; an unprefixed value takes the default namespace, as XML Schema resolves QNames.
 */
export function resolveQName(element: WsdlElement, value: string): QName {
  const colon = value.indexOf(':')
  const prefix = colon < 0 ? '' : value.slice(0, colon)
  return { ns: namespaceOf(prefix, element.scope, `"${value}"`), name: colon < 0 ? value : value.slice(colon + 1) }
}

export function childrenOf(element: WsdlElement, ns: string, name: string): WsdlElement[] {
  return element.children.filter((c) => c.ns === ns && c.name === name)
}

export function attr(element: WsdlElement, name: string): string | undefined {
  return element.attributes.get(name)
}
