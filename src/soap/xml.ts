/**
 * Namespace-aware XML reading, and what XML 1.0 text cannot carry (writing is in writer.ts).
 *
 * `XmlCursor` is a pull reader: a single pass over the document's UTF-8 bytes that checks well-formedness as it
 * goes (tags balance, attributes are quoted and unique, names are names, entities are the five predefined ones or
 * character references) and resolves every element's namespace from the declarations in scope. It refuses DTDs
 * (SOAP forbids them, and they are how entity-expansion attacks work) and nesting deeper than a limit. Generated
 * readers walk it straight into typed values; `readXml` builds an element tree with it for everything else.
 *
 * Why bytes: a request read as one string is, for a large request, one large object on V8's heap; one that a
 * garbage collection finds still being read is kept until the next full collection, and under a load of large
 * requests those made most of the server's peak memory. Read from the bytes, only the values are strings, each a
 * copy of its own.
 *
 * History, for whoever profiles next: fast-xml-parser took about 130 ms to validate and parse a 500-actor
 * WSSaveActors request on the 2-core reference machine; an element tree read by a single-pass reader took about
 * 10 ms with the typed read from it, most of it garbage collection of the tree; the cursor over a string took
 * 5-8 ms, a fifth of it decoding the string. The tests still compare the tree with fast-xml-parser's on valid
 * documents.
 */
import { isUtf8 } from 'node:buffer'

export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance'
const XML_NS = 'http://www.w3.org/XML/1998/namespace'
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/'

/**
 * Per-element limits, as Apache CXF (500 attributes) and the JAX-WS RI (500 attributes per element) set them for
 * every request; WCF's name table quota (16,384 characters) is larger than any name this allows. Each bounds work
 * that is linear anyway; together they bound what one start tag can make the reader hold.
 */
export const DEFAULT_MAX_ATTRIBUTES = 500
export const DEFAULT_MAX_NAMESPACE_DECLARATIONS = 500
/** Bytes of one element or attribute name, or one namespace URI. */
export const DEFAULT_MAX_NAME_LENGTH = 4096
/** Names and URIs up to this many bytes are kept in the tables shared by all documents; longer ones are read each time. */
export const SHARED_NAME_BYTES = 256

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

/** Why a document was refused: callers decide by this, never by the message. */
export const XmlErrorCode = {
  /** Not well-formed, or not namespace-well-formed. */
  Malformed: 'XML_MALFORMED',
  /** A DOCTYPE declaration, which this reader never accepts. */
  Doctype: 'XML_DOCTYPE',
  TooDeep: 'XML_TOO_DEEP',
  TooManyAttributes: 'XML_TOO_MANY_ATTRIBUTES',
  TooManyNamespaceDeclarations: 'XML_TOO_MANY_NAMESPACE_DECLARATIONS',
  NameTooLong: 'XML_NAME_TOO_LONG',
} as const
export type XmlErrorCode = (typeof XmlErrorCode)[keyof typeof XmlErrorCode]

/** The input is not well-formed XML, uses a construct this reader refuses (DOCTYPE, undefined entity), or exceeds a limit. */
export class XmlReadError extends Error {
  override readonly name = 'XmlReadError'
  constructor(
    readonly code: XmlErrorCode,
    message: string,
  ) {
    super(message)
  }
}

export interface XmlReadOptions {
  /** Deepest element nesting accepted; deeper input is refused before any tree is built. */
  maxDepth: number
  /** Most attributes on one element, namespace declarations not counted (default DEFAULT_MAX_ATTRIBUTES). */
  maxAttributes?: number
  /** Most namespace declarations on one element (default DEFAULT_MAX_NAMESPACE_DECLARATIONS). */
  maxNamespaceDeclarations?: number
  /** Longest element or attribute name, or namespace URI, in bytes (default DEFAULT_MAX_NAME_LENGTH). */
  maxNameLength?: number
}

/**
 * Namespace declarations in scope: each element that declares prefixes links to its parent's scope, so a lookup
 * walks at most the nesting depth, and no element copies what its ancestors declared.
 */
interface Scope {
  /** Unique among all scopes ever made, so that a name shared by documents can remember its scope without holding it. */
  id: number
  parent: Scope | undefined
  /** Prefix, URI, prefix, URI...: an element declares one or two, where a Map would cost more to make than to search. */
  bindings: string[]
  /** The same bindings by prefix, for an element that declares many (a search of the pairs would be quadratic). */
  byPrefix: Map<string, string> | undefined
}

const ROOT_SCOPE: Scope = { id: 0, parent: undefined, bindings: ['xml', XML_NS], byPrefix: undefined }
let nextScopeId = 1
/** More bindings than this in one scope are looked up by a Map. */
const BINDINGS_SEARCHED = 16

// Element names cache their namespace per scope (see XmlCursor.nameAt), so a walk here is rare for elements.
function lookup(scope: Scope, prefix: string): string | undefined {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    if (s.byPrefix) {
      const uri = s.byPrefix.get(prefix)
      if (uri !== undefined) return uri
      continue
    }
    const bindings = s.bindings
    // Each prefix is bound once per scope (a repeated declaration is refused as a repeated attribute).
    for (let i = bindings.length - 2; i >= 0; i -= 2) if (bindings[i] === prefix) return bindings[i + 1]
  }
  return undefined
}

const NO_ATTRIBUTES: ReadonlyMap<string, string> = new Map()
/** Leaf elements share this empty list; an element gets its own list with its first child. */
const NO_CHILDREN: XmlElement[] = Object.freeze([]) as unknown as XmlElement[]
const TAB = 9
const LF = 10
const CR = 13
const SPACE = 32
const BANG = 33
const QUOT = 34
const AMP = 38
const APOS = 39
const SLASH = 47
const LT = 60
const EQUALS = 61
const GT = 62
const QUESTION = 63

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'))
const COMMENT_OPEN = utf8('<!--')
const COMMENT_CLOSE = utf8('-->')
const CDATA_OPEN = utf8('<![CDATA[')
const CDATA_CLOSE = utf8(']]>')
const PI_CLOSE = utf8('?>')
const DOUBLE_HYPHEN = utf8('--')
const DOCTYPE = utf8('<!DOCTYPE')

/** Buffer's own UTF-8 decoder for a range, without `toString`'s argument handling on every value. */
interface Bytes extends Buffer {
  utf8Slice(start: number, end: number): string
}

/** An element name met in a document: its parts, and its namespace in the scope it was last resolved in. */
interface Name {
  /** Of the qualified name's bytes, as skipName computes it. */
  hash: number
  qname: string
  /** The qualified name as UTF-8, to compare with the document in place. */
  bytes: Uint8Array
  prefix: string
  local: string
  /** Id of the scope `ns` was resolved in (-1: none yet). */
  scopeId: number
  ns: string
}

const NAME_SLOTS = 256
/** A name is looked for in this many slots from the one its hash picks, so that names sharing a slot do not evict each other. */
const NAME_PROBES = 4
/**
 * Element names met so far, split once, found again by a hash of their bytes (see XmlCursor.nameAt). Shared by all
 * documents: requests repeat the same few names, and a table per document would split each name once per request.
 * Only names up to SHARED_NAME_BYTES are kept, and an entry holds nothing of a document but its own strings.
 */
const nameTable: Array<Name | undefined> = new Array(NAME_SLOTS + NAME_PROBES)
let nextEviction = 0
/** Requests use a few dozen names: a document with more new ones than this reads the rest without the table. */
const NEW_SHARED_NAMES_PER_DOCUMENT = 128
/** Namespace declarations met so far, raw and decoded (see XmlCursor.namespaceAt), replaced in turn when full. */
const knownNamespaces: Array<{ hash: number; raw: Uint8Array; uri: string }> = []
const KNOWN_NAMESPACES = 16
let nextKnownNamespace = 0

/**
 * Bytes of names and namespace URIs the tables shared by all documents hold (UTF-8 as read, plus two per UTF-16
 * code unit of each decoded string), and the most they can ever hold.
 */
export function sharedNameTableBytes(): { bytes: number; max: number } {
  let bytes = 0
  for (const name of nameTable) if (name) bytes += name.bytes.length + 2 * (name.qname.length + name.prefix.length + name.local.length + name.ns.length)
  for (const known of knownNamespaces) bytes += known.raw.length + 2 * known.uri.length
  // Per name: its bytes, then qname, prefix + local and namespace, each at most SHARED_NAME_BYTES UTF-16 units.
  const max = (NAME_SLOTS + NAME_PROBES) * SHARED_NAME_BYTES * 7 + KNOWN_NAMESPACES * SHARED_NAME_BYTES * 3
  return { bytes, max }
}

/**
 * The one internalized copy of a name or namespace URI, like a string literal: comparing two such strings, as
 * generated readers compare each element's namespace and name with their constants, is comparing two pointers.
 */
function intern(text: string): string {
  for (const key in { [text]: true }) return key
  return text
}

/** What `XmlCursor.step` read: a start tag, an end tag, or character data (text or a CDATA section). */
const START = 1
const END = 2
const TEXT = 3
type XmlEvent = typeof START | typeof END | typeof TEXT

/**
 * Parses one XML document into a namespace-resolved element tree.
 *
 * @example
 * const root = readXml('<a:x xmlns:a="urn:a"><a:y>1 &amp; 2</a:y></a:x>', { maxDepth: 32 })
 * root.ns === 'urn:a'; root.children[0].text === '1 & 2'
 */
export function readXml(xml: string | Uint8Array, options: XmlReadOptions): XmlElement {
  const x = new XmlCursor(xml, options)
  x.root()
  const root = x.element()
  x.end()
  return root
}

interface Building {
  ns: string
  name: string
  children: XmlElement[]
  text: string
  nil: boolean
  attributes: ReadonlyMap<string, string>
}

/**
 * A pull reader over one document, given as UTF-8 bytes or as a string: generated readers (generated/codecs.ts)
 * walk it straight into typed values, without an element tree in between; `readXml` builds a tree with it.
 *
 * After `root()` or a `START` event the cursor stands on an element whose content is not yet read: `ns`, `name`,
 * `nil` and `attributes` describe it, and exactly one of `enterChild` loops, `text`, `skip` or `element` must then
 * consume it, up to and including its end tag. Every part of the document passes through `step`, which checks
 * well-formedness as it goes, so a document read to its `end()` was checked whole.
 *
 * @example
 * const x = new XmlCursor('<r><a>1</a><b/></r>', { maxDepth: 8 })
 * x.root()
 * while (x.enterChild()) console.log(x.name, x.text()) // a 1, then b ''
 * x.end()
 */
export class XmlCursor {
  /** Namespace URI of the element the cursor stands on. */
  ns = ''
  /** Local name of the element the cursor stands on. */
  name = ''
  /** `xsi:nil="true"` (or `"1"`) is on the element the cursor stands on. */
  nil = false
  /** Other attributes of that element by `{namespace}local` (or `local` when unqualified), decoded. */
  attributes: ReadonlyMap<string, string> = NO_ATTRIBUTES

  private readonly buf: Bytes
  private readonly length: number
  private readonly maxDepth: number
  private readonly maxAttributes: number
  private readonly maxNamespaceDeclarations: number
  private readonly maxNameLength: number
  /** Where the document starts: after a byte order mark, if there is one. */
  private readonly start: number
  private pos = 0
  /** Names of the open elements, for matching end tags. */
  private readonly open: Name[] = []
  private readonly scopes: Scope[] = []
  /** The last start tag closed itself: the next event is its end. */
  private selfClosed = false
  private rootSeen = false
  private ended = false
  private nameHash = 0
  /** The current TEXT event: raw range, and its decoded value once asked for (a CDATA section's at once). */
  private textStart = 0
  private textEnd = 0
  private decoded: string | undefined
  /** Next "&" and "]]>" at or after the reading position (-1: none left), so that no text range is searched twice. */
  private nextAmp = 0
  private nextCdataEnd = 0
  /** Names and namespace URIs this document added to the shared tables, of at most NEW_SHARED_NAMES_PER_DOCUMENT and KNOWN_NAMESPACES. */
  private newSharedNames = 0
  private newSharedNamespaces = 0

  constructor(xml: string | Uint8Array, options: XmlReadOptions) {
    let buf: Buffer
    if (typeof xml === 'string') {
      // The precise test (lone surrogates, which UTF-8 cannot carry) is slow on large text; the cheap one clears
      // almost every document first.
      const forbidden = SUSPECT.test(xml) ? NOT_XML.exec(xml) : null
      if (forbidden) throw new XmlReadError(XmlErrorCode.Malformed, `Malformed XML: it contains ${describe(forbidden[0].codePointAt(0)!)}, which XML 1.0 does not allow`)
      buf = Buffer.from(xml, 'utf8')
    } else {
      buf = Buffer.isBuffer(xml) ? xml : Buffer.from(xml.buffer, xml.byteOffset, xml.byteLength)
      if (!isUtf8(buf)) throw new XmlReadError(XmlErrorCode.Malformed, 'Malformed XML: it is not valid UTF-8')
      refuseNonXmlCharacters(buf)
    }
    this.buf = buf as Bytes
    this.length = buf.length
    this.maxDepth = options.maxDepth
    this.maxAttributes = options.maxAttributes ?? DEFAULT_MAX_ATTRIBUTES
    this.maxNamespaceDeclarations = options.maxNamespaceDeclarations ?? DEFAULT_MAX_NAMESPACE_DECLARATIONS
    this.maxNameLength = options.maxNameLength ?? DEFAULT_MAX_NAME_LENGTH
    this.start = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0
    this.pos = this.start
    this.nextAmp = buf.indexOf(AMP, this.pos)
    this.nextCdataEnd = buf.indexOf(CDATA_CLOSE, this.pos)
  }

  /** Reads up to the root element's start tag and stands on it. */
  root(): void {
    if (this.step() !== START) this.fail('there is no root element', this.length)
  }

  /** After the root element: checks that nothing but comments, processing instructions and white space follows. */
  end(): void {
    if (this.step() !== 0) this.fail('the root element is not finished', this.pos)
  }

  /** How many elements the cursor is inside, counting the one it stands on. */
  get depth(): number {
    return this.open.length + (this.selfClosed ? 1 : 0)
  }

  /** Reads on until the element at `depth` (from `depth` when the cursor stood on it) is behind the cursor. */
  leave(depth: number): void {
    while (this.depth >= depth) this.step()
  }

  /** The cursor stands on element `name` in namespace `ns`. */
  at(ns: string, name: string): boolean {
    return this.ns === ns && this.name === name
  }

  /** Moves to the next child element of the current one (true), or reads the current one's end tag (false). */
  enterChild(): boolean {
    for (;;) {
      const event = this.step()
      if (event === START) return true
      if (event === END) return false
    }
  }

  /** The character data directly inside the current element, decoded; reads through its end tag. */
  text(): string {
    let text = ''
    let level = 0
    for (;;) {
      const event = this.step()
      if (event === TEXT) {
        if (level === 0) text = text === '' ? this.chunk() : text + this.chunk()
      } else if (event === START) level++
      else if (level === 0) return text
      else level--
    }
  }

  /** Reads past the current element, checking it as everything else. */
  skip(): void {
    let level = 0
    for (;;) {
      const event = this.step()
      if (event === START) level++
      else if (event === END) {
        if (level === 0) return
        level--
      }
    }
  }

  /** Reads the current element into a tree. */
  element(): XmlElement {
    const el: Building = { ns: this.ns, name: this.name, children: NO_CHILDREN, text: '', nil: this.nil, attributes: this.attributes }
    for (;;) {
      const event = this.step()
      if (event === TEXT) el.text += this.chunk()
      else if (event === START) {
        const child = this.element()
        if (el.children === NO_CHILDREN) el.children = [child]
        else el.children.push(child)
      } else return el
    }
  }

  /** Reads everything that is left, so that a document that is not well-formed is found out as such. */
  drain(): void {
    if (this.ended) return
    while (this.step() !== 0);
  }

  /** The decoded character data of the current TEXT event: a string of its own, not a view into anything. */
  private chunk(): string {
    // Text with references was decoded when it was read (see step).
    return this.decoded ?? this.decodeRange(this.textStart, this.textEnd, false)
  }

  /** Text from the bytes [start, end): line ends as XML reads them (CR and CRLF as LF), references decoded. */
  private decodeRange(start: number, end: number, references: boolean): string {
    let text = this.buf.utf8Slice(start, end)
    // XML 1.0 section 2.11; a CR that matters arrives as &#xD;, which is decoded after this.
    if (text.indexOf('\r') >= 0) text = text.replace(/\r\n?/g, '\n')
    return references ? decodeText(text) : text
  }

  /** Reads the next event; 0 at the end of the document (outside the root element). */
  private step(): XmlEvent | 0 {
    if (this.selfClosed) {
      this.selfClosed = false
      return END
    }
    const buf = this.buf
    const length = this.length
    for (;;) {
      const pos = this.pos
      if (pos >= length) {
        if (this.open.length > 0) this.fail(`<${this.open[this.open.length - 1]!.qname}> is not closed`, length)
        if (!this.rootSeen) this.fail('there is no root element', length)
        // A caller that reads on would otherwise loop here for ever.
        if (this.ended) throw new Error('XmlCursor: read past the end of the document')
        this.ended = true
        return 0
      }
      // Text between tags is short in a SOAP message: a loop finds the next "<" sooner than a call into native code.
      let lt = pos
      while (lt < length && buf[lt] !== LT) lt++
      if (lt > pos) {
        this.pos = lt
        if (this.open.length === 0) {
          for (let i = pos; i < lt; i++) {
            if (!isSpace(buf[i]!)) this.fail(this.rootSeen ? 'there is text after the root element' : 'there is text before the root element', i)
          }
          continue
        }
        if (this.nextCdataEnd >= 0 && this.nextCdataEnd < pos) this.nextCdataEnd = buf.indexOf(CDATA_CLOSE, pos)
        if (this.nextCdataEnd >= 0 && this.nextCdataEnd < lt) this.fail('"]]>" may not appear in text', this.nextCdataEnd)
        this.textStart = pos
        this.textEnd = lt
        if (this.nextAmp >= 0 && this.nextAmp < pos) this.nextAmp = buf.indexOf(AMP, pos)
        // Decoded now when it holds references, so that a bad one is found even in text nobody reads.
        this.decoded = this.nextAmp >= 0 && this.nextAmp < lt ? this.decodeRange(pos, lt, true) : undefined
        return TEXT
      }
      const next = buf[lt + 1]
      if (next === SLASH) return this.endTag(lt)
      if (next === BANG) {
        if (occursAt(buf, COMMENT_OPEN, lt)) {
          const close = buf.indexOf(COMMENT_CLOSE, lt + 4)
          if (close < 0) this.fail('a comment is not closed', lt)
          const hyphens = buf.indexOf(DOUBLE_HYPHEN, lt + 4)
          if (hyphens >= 0 && hyphens + 2 <= close) this.fail('"--" may not appear inside a comment', lt)
          this.pos = close + 3
          continue
        }
        if (occursAt(buf, CDATA_OPEN, lt)) {
          const close = buf.indexOf(CDATA_CLOSE, lt + 9)
          if (close < 0) this.fail('a CDATA section is not closed', lt)
          if (this.open.length === 0) this.fail('a CDATA section outside the root element', lt)
          this.pos = close + 3
          this.decoded = this.decodeRange(lt + 9, close, false)
          return TEXT
        }
        // A DTD can define entities that expand without bound; SOAP forbids DTDs anyway (SOAP 1.1 section 3).
        if (occursAtIgnoringCase(buf, DOCTYPE, lt)) throw new XmlReadError(XmlErrorCode.Doctype, 'XML with a DOCTYPE declaration is not accepted')
        this.fail('"<!" starts neither a comment nor a CDATA section', lt)
      }
      if (next === QUESTION) {
        const close = buf.indexOf(PI_CLOSE, lt + 2)
        if (close < 0) this.fail('a processing instruction is not closed', lt)
        // Rare enough to decode: its target ends at any white space JavaScript knows, as it always has.
        const target = /^[^\s?]*/.exec(buf.utf8Slice(lt + 2, close))![0]
        if (target.toLowerCase() === 'xml' && lt !== this.start) this.fail('the XML declaration must come first', lt)
        if (target === '') this.fail('a processing instruction without a target', lt)
        this.pos = close + 2
        continue
      }
      if (this.rootSeen && this.open.length === 0) this.fail('there is a second root element', lt)
      this.startTag(lt)
      return START
    }
  }

  private endTag(lt: number): typeof END {
    const buf = this.buf
    const open = this.open.pop()
    // Compare the name in place: end tags are half of all tags, and slicing each one costs.
    let close = lt + 2 + (open ? open.bytes.length : 0)
    while (close < this.length && isSpace(buf[close]!)) close++
    if (open === undefined || buf[close] !== GT || !occursAt(buf, open.bytes, lt + 2)) {
      const end = buf.indexOf(GT, lt + 2)
      const found = this.decodeRange(lt + 2, end < 0 ? this.length : end, false).trimEnd()
      if (open === undefined) this.fail(`</${found}> closes nothing`, lt)
      this.fail(`expected </${open.qname}>, found </${found}>`, lt)
    }
    this.scopes.pop()
    this.pos = close + 1
    return END
  }

  private fail(message: string, at: number, code: XmlErrorCode = XmlErrorCode.Malformed): never {
    // Lines and columns in characters, line ends as XML reads them (CR, CRLF and LF each end one line).
    let line = 1
    let column = 1
    const buf = this.buf
    for (let i = this.start; i < at && i < buf.length; i++) {
      const b = buf[i]!
      if (b === LF || (b === CR && buf[i + 1] !== LF)) {
        line++
        column = 1
      } else if (b !== CR && (b & 0xc0) !== 0x80) column++
    }
    const what = code === XmlErrorCode.Malformed ? 'Malformed XML' : 'XML over a limit'
    throw new XmlReadError(code, `${what} at line ${line}, column ${column}: ${message}`)
  }

  /** Reads a start tag at `lt` and stands on its element. */
  private startTag(lt: number): void {
    const buf = this.buf
    let i = lt + 1
    const nameStart = i
    i = this.skipName(i)
    if (i === nameStart) this.fail('"<" is not followed by a name', lt)
    const name = this.nameAt(nameStart, i)
    const qname = name.qname
    if (this.open.length >= this.maxDepth) throw new XmlReadError(XmlErrorCode.TooDeep, `XML nests elements deeper than the limit of ${this.maxDepth} levels`)
    // Attribute names and values, in pairs (namespace declarations decoded, others raw until needed); namespace
    // declarations must all be known before any name is resolved. Repeats are found below, by prefix for
    // declarations and by expanded name for the others (which finds a repeated qualified name too).
    let raw: string[] | undefined
    let attributeCount = 0
    let declarationCount = 0
    for (;;) {
      const before = i
      while (i < this.length && isSpace(buf[i]!)) i++
      const c = buf[i]
      if (c === GT || c === SLASH) break
      if (i === this.length) this.fail(`<${qname}> is not closed`, lt)
      if (i === before) this.fail(`attributes of <${qname}> must be separated by white space`, i)
      const attrStart = i
      i = this.skipName(i)
      if (i === attrStart) this.fail(`<${qname}> has a malformed attribute`, i)
      if (i - attrStart > this.maxNameLength) this.fail(`an attribute name of <${qname}> is longer than ${this.maxNameLength} bytes`, attrStart, XmlErrorCode.NameTooLong)
      const attr = buf.utf8Slice(attrStart, i)
      const declaration = attr === 'xmlns' || attr.startsWith('xmlns:')
      if (!declaration && ++attributeCount > this.maxAttributes) {
        this.fail(`<${qname}> has more than ${this.maxAttributes} attributes`, attrStart, XmlErrorCode.TooManyAttributes)
      }
      if (declaration && ++declarationCount > this.maxNamespaceDeclarations) {
        this.fail(`<${qname}> has more than ${this.maxNamespaceDeclarations} namespace declarations`, attrStart, XmlErrorCode.TooManyNamespaceDeclarations)
      }
      while (isSpace(buf[i]!)) i++
      if (buf[i] !== EQUALS) this.fail(`attribute ${attr} of <${qname}> has no value`, i)
      i++
      while (isSpace(buf[i]!)) i++
      const quote = buf[i]
      if (quote !== QUOT && quote !== APOS) this.fail(`the value of attribute ${attr} must be quoted`, i)
      const close = buf.indexOf(quote, i + 1)
      if (close < 0) this.fail(`the value of attribute ${attr} is not closed`, i)
      for (let k = i + 1; k < close; k++) if (buf[k] === LT) this.fail(`the value of attribute ${attr} contains "<"`, i)
      const value = declaration ? this.namespaceAt(i + 1, close) : buf.utf8Slice(i + 1, close)
      raw ??= []
      raw.push(attr, value)
      i = close + 1
    }
    const selfClosing = buf[i] === SLASH
    if (selfClosing && buf[i + 1] !== GT) this.fail(`<${qname}> is not closed properly`, i)
    this.pos = selfClosing ? i + 2 : i + 1
    const parentScope = this.scopes.length > 0 ? this.scopes[this.scopes.length - 1]! : ROOT_SCOPE
    let scope = parentScope
    let others = false
    for (let k = 0; raw && k < raw.length; k += 2) {
      const key = raw[k]!
      if (key !== 'xmlns' && !key.startsWith('xmlns:')) {
        others = true
        continue
      }
      if (scope === parentScope) scope = { id: nextScopeId++, parent: parentScope, bindings: [], byPrefix: undefined }
      const uri = raw[k + 1]!
      // "xmlns:" and "xmlns:a:b" declare no prefix: splitQName refuses them.
      const prefix = key === 'xmlns' ? '' : splitQName(key).local
      refuseReservedBinding(prefix, uri, qname)
      const bindings = scope.bindings
      let byPrefix = scope.byPrefix
      if (byPrefix === undefined) {
        for (let b = 0; b < bindings.length; b += 2) if (bindings[b] === prefix) this.fail(`<${qname}> has attribute ${key} twice`, lt)
        if (bindings.length >= BINDINGS_SEARCHED) {
          byPrefix = scope.byPrefix = new Map()
          for (let b = 0; b < bindings.length; b += 2) byPrefix.set(bindings[b]!, bindings[b + 1]!)
        }
      }
      if (byPrefix !== undefined) {
        const size = byPrefix.size
        if (byPrefix.set(prefix, uri).size === size) this.fail(`<${qname}> has attribute ${key} twice`, lt)
      }
      bindings.push(prefix, uri)
    }
    // Scopes never change once made, so the namespace found for this name in this scope holds until the scope does.
    let ns = name.ns
    if (name.scopeId !== scope.id) {
      ns = resolvePrefix(name.prefix, scope, qname)
      // A long namespace is not kept by a name that outlives the document.
      if (ns.length <= SHARED_NAME_BYTES) {
        name.ns = ns
        name.scopeId = scope.id
      }
    }
    this.ns = ns
    this.name = name.local
    this.nil = false
    this.attributes = NO_ATTRIBUTES
    if (raw && others) {
      let attributes: Map<string, string> | undefined
      let nilSeen = false
      for (let k = 0; k < raw.length; k += 2) {
        const key = raw[k]!
        if (key === 'xmlns' || key.startsWith('xmlns:')) continue
        const rawValue = raw[k + 1]!
        const value = decodeText(rawValue.indexOf('\r') >= 0 ? rawValue.replace(/\r\n?/g, '\n') : rawValue)
        // Unprefixed attributes are in no namespace (Namespaces in XML 1.0, section 6.2).
        let attrNs = ''
        let local = key
        if (key.indexOf(':') >= 0) {
          const attr = splitQName(key)
          attrNs = resolvePrefix(attr.prefix, scope, key)
          local = attr.local
        }
        // Two prefixes bound to one namespace make two attribute names one (Namespaces in XML 1.0, section 6.3).
        if (attrNs === XSI_NS && local === 'nil') {
          if (nilSeen) this.fail(`<${qname}> has attribute {${XSI_NS}}nil twice`, lt)
          nilSeen = true
          this.nil = value.trim() === 'true' || value.trim() === '1'
        } else {
          const expanded = attrNs === '' ? local : `{${attrNs}}${local}`
          attributes ??= new Map()
          const size = attributes.size
          if (attributes.set(expanded, value).size === size) {
            let same = false
            for (let e = 0; e < k; e += 2) same ||= raw[e] === key
            this.fail(`<${qname}> has attribute ${same ? key : expanded} twice${same ? '' : ', through two prefixes'}`, lt)
          }
        }
      }
      if (attributes) this.attributes = attributes
    }
    this.rootSeen = true
    if (selfClosing) this.selfClosed = true
    else {
      this.open.push(name)
      this.scopes.push(scope)
    }
  }

  /**
   * The namespace URI declared by the attribute value at [start, end), decoded and interned. Requests declare the
   * same few namespaces: a hit is found by comparing in place, with nothing decoded or allocated. A long URI is
   * decoded each time, neither interned nor kept.
   */
  private namespaceAt(start: number, end: number): string {
    const length = end - start
    if (length > this.maxNameLength) this.fail(`a namespace URI is longer than ${this.maxNameLength} bytes`, start, XmlErrorCode.NameTooLong)
    if (length > SHARED_NAME_BYTES) return this.decodeRange(start, end, true)
    const buf = this.buf
    // A hash first, so that a document cannot make every declaration compare in full with every known URI.
    let hash = length
    for (let k = start; k < end; k++) hash = (hash * 31 + buf[k]!) | 0
    for (const known of knownNamespaces) {
      if (known.hash === hash && known.raw.length === length && occursAt(buf, known.raw, start)) return known.uri
    }
    // As for names (see nameAt): a document that declares more namespaces than requests do gets the rest unshared.
    if (this.newSharedNamespaces >= KNOWN_NAMESPACES) return this.decodeRange(start, end, true)
    this.newSharedNamespaces++
    const known = { hash, raw: new Uint8Array(buf.subarray(start, end)), uri: intern(this.decodeRange(start, end, true)) }
    if (knownNamespaces.length < KNOWN_NAMESPACES) knownNamespaces.push(known)
    else knownNamespaces[(nextKnownNamespace = (nextKnownNamespace + 1) % KNOWN_NAMESPACES)] = known
    return known.uri
  }

  /** Skips a name; leaves a hash of its bytes in `nameHash`, for `nameAt`. */
  private skipName(i: number): number {
    const buf = this.buf
    const length = this.length
    const first = buf[i]!
    // U+00B7 may continue a name but not start one.
    if (first < 0x80 ? !isNameStart(first) : first === 0xc2 || !isNameCharAt(buf, i)) return i
    let hash = first
    i++
    for (;;) {
      if (i >= length) break
      const c = buf[i]!
      if (c < 0x80) {
        if (!isNameChar(c)) break
      } else if ((c & 0xc0) !== 0x80 && !isNameCharAt(buf, i)) break
      hash = (hash * 31 + c) | 0
      i++
    }
    this.nameHash = hash
    return i
  }

  /**
   * The element name at [start, end), just skipped. A message repeats a few names thousands of times: a small
   * table finds each again by comparing it in place, without decoding it and hashing it as a Map key would.
   */
  private nameAt(start: number, end: number): Name {
    const hash = this.nameHash
    const length = end - start
    if (length > this.maxNameLength) this.fail(`an element name is longer than ${this.maxNameLength} bytes`, start, XmlErrorCode.NameTooLong)
    if (length <= SHARED_NAME_BYTES) {
      const slot = (hash ^ (hash >>> 16)) & (NAME_SLOTS - 1)
      let free = -1
      for (let probe = slot; probe < slot + NAME_PROBES; probe++) {
        const cached = nameTable[probe]
        if (cached === undefined) {
          if (free < 0) free = probe
        } else if (cached.hash === hash && cached.bytes.length === length && occursAt(this.buf, cached.bytes, start)) return cached
      }
      // A new name, or one evicted by others with the same slot: split and interned once more.
      if (this.newSharedNames < NEW_SHARED_NAMES_PER_DOCUMENT) {
        this.newSharedNames++
        const qname = intern(this.buf.utf8Slice(start, end))
        const split = splitQName(qname)
        const name: Name = { hash, qname, bytes: new Uint8Array(this.buf.subarray(start, end)), prefix: intern(split.prefix), local: intern(split.local), scopeId: -1, ns: '' }
        nameTable[free >= 0 ? free : slot + (nextEviction++ % NAME_PROBES)] = name
        return name
      }
    }
    // For this document only: a long name, or one of more new names than requests bring, is neither interned nor
    // kept, so that such a document neither pays for interning each nor evicts the names other requests use.
    const qname = this.buf.utf8Slice(start, end)
    const split = splitQName(qname)
    return { hash, qname, bytes: this.buf.subarray(start, end), prefix: split.prefix, local: split.local, scopeId: -1, ns: '' }
  }
}

/** Fails on bytes that encode what XML 1.0 cannot carry: control characters other than tab, LF and CR, U+FFFE, U+FFFF. */
function refuseNonXmlCharacters(buf: Buffer): void {
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i]!
    let code = -1
    if (b < SPACE) {
      if (b !== TAB && b !== LF && b !== CR) code = b
    } else if (b === 0xef && buf[i + 1] === 0xbf && (buf[i + 2] === 0xbe || buf[i + 2] === 0xbf)) {
      code = buf[i + 2] === 0xbe ? 0xfffe : 0xffff
    }
    if (code >= 0) throw new XmlReadError(XmlErrorCode.Malformed, `Malformed XML: it contains ${describe(code)}, which XML 1.0 does not allow`)
  }
}

/** `part` occurs in `buf` at `at`. */
function occursAt(buf: Uint8Array, part: Uint8Array, at: number): boolean {
  for (let i = 0; i < part.length; i++) if (buf[at + i] !== part[i]) return false
  return true
}

/** As occursAt, ASCII letters in any case. */
function occursAtIgnoringCase(buf: Uint8Array, part: Uint8Array, at: number): boolean {
  for (let i = 0; i < part.length; i++) if ((buf[at + i]! | 0x20) !== (part[i]! | 0x20)) return false
  return true
}

function isSpace(c: number): boolean {
  return c === SPACE || c === LF || c === TAB || c === CR
}

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57) || c === 45 || c === 46
}

/**
 * The non-ASCII character starting at byte `i` may be part of a name: U+00C0 and above but × and ÷, as before,
 * and U+00B7 (a name character, not a start; close enough for a reader that is not a validator).
 */
function isNameCharAt(buf: Uint8Array, i: number): boolean {
  const lead = buf[i]!
  if (lead === 0xc2) return buf[i + 1] === 0xb7
  if (lead === 0xc3) return buf[i + 1] !== 0x97 && buf[i + 1] !== 0xb7
  return lead > 0xc3
}

function splitQName(qname: string): { prefix: string; local: string } {
  const colon = qname.indexOf(':')
  if (colon < 0) return { prefix: '', local: qname }
  if (colon === 0 || colon === qname.length - 1 || qname.indexOf(':', colon + 1) >= 0) {
    throw new XmlReadError(XmlErrorCode.Malformed, `Malformed XML: "${qname}" is not a qualified name`)
  }
  return { prefix: qname.slice(0, colon), local: qname.slice(colon + 1) }
}

/**
 * Refuses what Namespaces in XML 1.0 (section 3) reserves: `xml` is bound to its namespace and no other prefix is,
 * `xmlns` and its namespace are bound to nothing, and only the default namespace may be undeclared ("").
 */
function refuseReservedBinding(prefix: string, uri: string, qname: string): void {
  const declared = prefix === '' ? 'the default namespace' : `prefix ${prefix}`
  let problem: string | undefined
  if (prefix === 'xmlns') problem = 'declares the prefix xmlns, which is reserved'
  else if (prefix === 'xml' && uri !== XML_NS) problem = `binds the prefix xml to "${uri}"; it may only be bound to ${XML_NS}`
  else if (prefix !== 'xml' && uri === XML_NS) problem = `binds ${declared} to ${XML_NS}, which belongs to the prefix xml alone`
  else if (uri === XMLNS_NS) problem = `binds ${declared} to ${XMLNS_NS}, which is reserved`
  else if (prefix !== '' && uri === '') problem = `binds xmlns:${prefix} to an empty namespace`
  if (problem) throw new XmlReadError(XmlErrorCode.Malformed, `Malformed XML: <${qname}> ${problem}`)
}

function resolvePrefix(prefix: string, scope: Scope, qname: string): string {
  const ns = lookup(scope, prefix)
  if (ns === undefined) {
    if (prefix === '') return ''
    throw new XmlReadError(XmlErrorCode.Malformed, `Malformed XML: namespace prefix "${prefix}" of <${qname}> is not declared`)
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
      throw new XmlReadError(XmlErrorCode.Malformed, `Malformed XML: "&" must start an entity such as &amp; (near "${raw.slice(0, 40)}")`)
    }
    const code = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex!, 16)
    if (!isXmlChar(code)) throw new XmlReadError(XmlErrorCode.Malformed, `Malformed XML: ${match} is not a character XML 1.0 allows`)
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
const SUSPECT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
/** Replaces what XML 1.0 cannot carry with U+FFFD: for text that must be written whatever it holds (faults). */
export function xmlSafe(value: string): string {
  return value.replace(new RegExp(NOT_XML.source, 'g'), '\uFFFD')
}

function describe(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`
}
