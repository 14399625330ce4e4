/**
 * Namespace-aware XML reading and XML text escaping, on top of fast-xml-parser.
 *
 * fast-xml-parser resolves no namespaces, leaves numeric character references undecoded, expands DOCTYPE
 * entities and lets undefined entities through, so this module does those parts itself: the result is a small
 * element tree where every element carries its namespace URI, and every text node is decoded exactly once.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser'

export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance'
const XML_NS = 'http://www.w3.org/XML/1998/namespace'

/** One element: namespace URI, local name, child elements in document order, decoded character data. */
export interface XmlElement {
  readonly ns: string
  readonly name: string
  readonly children: XmlElement[]
  /** All character data directly inside the element (text and CDATA), decoded, whitespace kept. */
  readonly text: string
  /** `xsi:nil="true"` (or `"1"`) is present. */
  readonly nil: boolean
  /** Other attributes by `{namespace}local` (or `local` when unqualified), decoded. */
  readonly attributes: ReadonlyMap<string, string>
}

/** The input is not well-formed XML, or uses a construct this reader refuses (DOCTYPE, undefined entity). */
export class XmlReadError extends Error {
  override readonly name = 'XmlReadError'
}

export interface XmlReadOptions {
  /** Deepest element nesting accepted; deeper input is refused before any tree is built. */
  maxDepth: number
}

const TEXT = '#text'
const CDATA = '#cdata'
const ATTRS = ':@'

type RawNode = Record<string, unknown>

function makeParser(maxDepth: number): XMLParser {
  return new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    processEntities: false,
    htmlEntities: false,
    cdataPropName: CDATA,
    ignoreDeclaration: true,
    ignorePiTags: true,
    commentPropName: false,
    maxNestedTags: maxDepth,
    // Path strings for callbacks this reader does not use cost a quarter of the parse.
    jPath: false,
  } as ConstructorParameters<typeof XMLParser>[0])
}

const parsers = new Map<number, XMLParser>()

/**
 * Parses one XML document into a namespace-resolved element tree.
 *
 * @example
 * const root = readXml('<a:x xmlns:a="urn:a"><a:y>1 &amp; 2</a:y></a:x>', { maxDepth: 32 })
 * root.ns === 'urn:a'; root.children[0].text === '1 & 2'
 */
export function readXml(xml: string, options: XmlReadOptions): XmlElement {
  if (xml.charCodeAt(0) === 0xfeff) xml = xml.slice(1)
  // A DTD can define entities that expand without bound; SOAP forbids DTDs anyway (SOAP 1.1 section 3).
  if (/<!DOCTYPE/i.test(xml)) throw new XmlReadError('XML with a DOCTYPE declaration is not accepted')
  const forbidden = NOT_XML.exec(xml)
  if (forbidden) throw new XmlReadError(`Malformed XML: it contains ${describe(forbidden[0])}, which XML 1.0 does not allow`)
  const validation = XMLValidator.validate(xml)
  if (validation !== true) {
    const { msg, line, col } = validation.err
    throw new XmlReadError(`Malformed XML at line ${line}, column ${col}: ${msg}`)
  }
  let parser = parsers.get(options.maxDepth)
  if (!parser) {
    parser = makeParser(options.maxDepth)
    parsers.set(options.maxDepth, parser)
  }
  let nodes: RawNode[]
  try {
    nodes = parser.parse(xml) as RawNode[]
  } catch (error) {
    const message = (error as Error).message
    if (/nested tags/i.test(message)) {
      throw new XmlReadError(`XML nests elements deeper than the limit of ${options.maxDepth} levels`)
    }
    throw new XmlReadError(`Malformed XML: ${message}`)
  }
  const roots = nodes.filter((node) => elementName(node) !== undefined)
  if (roots.length !== 1) throw new XmlReadError(`Malformed XML: expected one root element, found ${roots.length}`)
  if (nodes.some((node) => TEXT in node && String(node[TEXT]).trim() !== '')) {
    throw new XmlReadError('Malformed XML: there is text outside the root element')
  }
  return toElement(roots[0]!, ROOT_SCOPE)
}

/**
 * Namespace declarations in scope: each element that declares prefixes links to its parent's scope, so a lookup
 * walks at most the nesting depth, and no element copies what its ancestors declared.
 */
interface Scope {
  parent: Scope | undefined
  prefixes: Map<string, string>
}

const ROOT_SCOPE: Scope = { parent: undefined, prefixes: new Map([['xml', XML_NS]]) }

function lookup(scope: Scope, prefix: string): string | undefined {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    const ns = s.prefixes.get(prefix)
    if (ns !== undefined) return ns
  }
  return undefined
}

function elementName(node: RawNode): string | undefined {
  for (const key in node) {
    if (key !== ATTRS && key !== TEXT && key !== CDATA) return key
  }
  return undefined
}

function toElement(node: RawNode, parentScope: Scope): XmlElement {
  const qname = elementName(node)!
  const rawAttributes = node[ATTRS] as Record<string, string> | undefined
  let scope = parentScope
  if (rawAttributes) {
    for (const key in rawAttributes) {
      if (key === 'xmlns' || key.startsWith('xmlns:')) {
        if (scope === parentScope) scope = { parent: parentScope, prefixes: new Map() }
        const uri = decodeText(rawAttributes[key]!)
        // Namespaces in XML 1.0 (section 5) forbids undeclaring a prefix; only the default namespace may be "".
        if (key !== 'xmlns' && uri === '') throw new XmlReadError(`Malformed XML: <${qname}> binds ${key} to an empty namespace`)
        scope.prefixes.set(key === 'xmlns' ? '' : key.slice(6), uri)
      }
    }
  }
  const { prefix, local } = splitQName(qname)
  const ns = resolvePrefix(prefix, scope, qname)
  let nil = false
  const attributes = new Map<string, string>()
  if (rawAttributes) {
    for (const key in rawAttributes) {
      if (key === 'xmlns' || key.startsWith('xmlns:')) continue
      const value = decodeText(rawAttributes[key]!)
      const attr = splitQName(key)
      // Unprefixed attributes are in no namespace (Namespaces in XML 1.0, section 6.2).
      const attrNs = attr.prefix === '' ? '' : resolvePrefix(attr.prefix, scope, key)
      if (attrNs === XSI_NS && attr.local === 'nil') nil = value.trim() === 'true' || value.trim() === '1'
      else attributes.set(attrNs === '' ? attr.local : `{${attrNs}}${attr.local}`, value)
    }
  }
  const children: XmlElement[] = []
  let text = ''
  for (const child of node[qname] as RawNode[]) {
    if (TEXT in child) text += decodeText(String(child[TEXT]))
    else if (CDATA in child) {
      for (const part of child[CDATA] as RawNode[]) text += String(part[TEXT] ?? '')
    } else if (elementName(child) !== undefined) children.push(toElement(child, scope))
  }
  return { ns, name: local, children, text, nil, attributes }
}

function splitQName(qname: string): { prefix: string; local: string } {
  const colon = qname.indexOf(':')
  if (colon < 0) return { prefix: '', local: qname }
  if (colon === 0 || colon === qname.length - 1 || qname.indexOf(':', colon + 1) >= 0) {
    throw new XmlReadError(`Malformed XML: "${qname}" is not a qualified name`)
  }
  return { prefix: qname.slice(0, colon), local: qname.slice(colon + 1) }
}

function resolvePrefix(prefix: string, scope: Scope, qname: string): string {
  const ns = lookup(scope, prefix)
  if (ns === undefined) {
    if (prefix === '') return ''
    throw new XmlReadError(`Malformed XML: namespace prefix "${prefix}" of <${qname}> is not declared`)
  }
  return ns
}

const ENTITY = /&(?:(lt|gt|amp|quot|apos)|#([0-9]+)|#x([0-9a-fA-F]+));|&/g
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

function decodeText(raw: string): string {
  if (raw.indexOf('&') < 0) return raw
  return raw.replace(ENTITY, (match, named: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (named) return NAMED[named]!
    if (dec === undefined && hex === undefined) {
      throw new XmlReadError(`Malformed XML: "&" must start an entity such as &amp; (near "${raw.slice(0, 40)}")`)
    }
    const code = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex!, 16)
    if (!isXmlChar(code)) throw new XmlReadError(`Malformed XML: ${match} is not a character XML 1.0 allows`)
    return String.fromCodePoint(code)
  })
}

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  )
}

/** A string that XML 1.0 cannot carry: control characters other than tab/LF/CR, U+FFFE/U+FFFF, lone surrogates. */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
/** One cheap test that clears almost every value: nothing to escape and nothing XML cannot carry. */
const PLAIN = /[&<>\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/
const NEEDS_ESCAPE = /[&<>\r]/
const ESCAPES = /[&<>\r]/g
const ESCAPED: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' }

/** A value that cannot be written as XML 1.0 character data. */
export class XmlWriteError extends Error {
  override readonly name = 'XmlWriteError'
}

/**
 * Escapes character data for element content. CR is written as `&#xD;` because a reader normalises a literal CR
 * to LF, which would change the value; that is also what .NET's XmlWriter does.
 *
 * @example escapeText('a < b\r\n') === 'a &lt; b&#xD;\n'
 */
export function escapeText(value: string): string {
  if (!PLAIN.test(value)) return value
  const bad = NOT_XML.exec(value)
  if (bad) throw new XmlWriteError(`The text contains ${describe(bad[0])}, which XML 1.0 cannot carry`)
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPES, (c) => ESCAPED[c]!) : value
}

/** Replaces what XML 1.0 cannot carry with U+FFFD: for text that must be written whatever it holds (faults). */
export function xmlSafe(value: string): string {
  return value.replace(new RegExp(NOT_XML.source, 'g'), '\uFFFD')
}

function describe(character: string): string {
  return `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`
}

/** Escapes an attribute value written in double quotes. */
export function escapeAttribute(value: string): string {
  return escapeText(value).replace(/"/g, '&quot;').replace(/\n/g, '&#xA;').replace(/\t/g, '&#x9;')
}
