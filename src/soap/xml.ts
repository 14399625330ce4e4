/**
 * Namespace-aware XML reading, and what XML 1.0 text cannot carry (writing is in writer.ts).
 *
 * `XmlCursor` is a pull reader: a single pass over the text that checks well-formedness as it goes (tags balance,
 * attributes are quoted and unique, names are names, entities are the five predefined ones or character
 * references) and resolves every element's namespace from the declarations in scope. It refuses DTDs (SOAP forbids
 * them, and they are how entity-expansion attacks work) and nesting deeper than a limit. Generated readers walk it
 * straight into typed values; `readXml` builds an element tree with it for everything else.
 *
 * History, for whoever profiles next: fast-xml-parser took about 130 ms to validate and parse a 500-actor
 * WSSaveActors request on the 2-core reference machine; an element tree read by a single-pass reader took about
 * 10 ms with the typed read from it, most of it garbage collection of the tree; the cursor takes about 8 ms,
 * including UTF-8 decoding. The tests still compare the tree with fast-xml-parser's on valid documents.
 */

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

/**
 * Namespace declarations in scope: each element that declares prefixes links to its parent's scope, so a lookup
 * walks at most the nesting depth, and no element copies what its ancestors declared.
 */
interface Scope {
  parent: Scope | undefined
  /** Prefix, URI, prefix, URI...: an element declares one or two, where a Map would cost more to make than to search. */
  bindings: string[]
}

const ROOT_SCOPE: Scope = { parent: undefined, bindings: ['xml', XML_NS] }

// Element names cache their namespace per scope (see XmlCursor.nameAt), so a walk here is rare for elements.
function lookup(scope: Scope, prefix: string): string | undefined {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    const bindings = s.bindings
    // The last binding of a prefix counts (a repeated declaration is refused as a repeated attribute anyway).
    for (let i = bindings.length - 2; i >= 0; i -= 2) if (bindings[i] === prefix) return bindings[i + 1]
  }
  return undefined
}

const NO_ATTRIBUTES: ReadonlyMap<string, string> = new Map()
/** Leaf elements share this empty list; an element gets its own list with its first child. */
const NO_CHILDREN: XmlElement[] = Object.freeze([]) as unknown as XmlElement[]
const GT = 62 // >
const SLASH = 47
const BANG = 33
const QUESTION = 63
const EQUALS = 61

/** An element name met in a document: its parts, and its namespace in the scope it was last resolved in. */
interface Name {
  /** Of the qualified name's characters, as skipName computes it. */
  hash: number
  qname: string
  prefix: string
  local: string
  scope: Scope | undefined
  ns: string
}

const NAME_SLOTS = 256
/** A name is looked for in this many slots from the one its hash picks, so that names sharing a slot do not evict each other. */
const NAME_PROBES = 4
/**
 * Element names met so far, split once, found again by a hash of their characters (see XmlCursor.nameAt). Shared
 * by all documents: requests repeat the same few names, and a table per document would split each name once per
 * request. What it keeps is copied out of the documents, so that it keeps none of them alive.
 */
const nameTable: Array<Name | undefined> = new Array(NAME_SLOTS + NAME_PROBES)
let nextEviction = 0
/** Namespace declarations met so far, raw and decoded (see XmlCursor.namespaceAt), replaced in turn when full. */
const knownNamespaces: Array<{ raw: string; uri: string }> = []
const KNOWN_NAMESPACES = 16
let nextKnownNamespace = 0

/** V8 makes a substring of at least this many characters a view into the string it was taken from. */
const V8_SLICE_FROM = 13

/**
 * A copy of `text` that does not keep the string it was sliced from alive. Values read from a request outlive the
 * reading; as views they would keep the whole request text (a large object, collected only by a full GC) alive
 * with them. Prepending a character makes V8 flatten into a new string, which the slice then points into.
 */
function detach(text: string): string {
  return (' ' + text).slice(1)
}

/**
 * The one internalized copy of a name or namespace URI, like a string literal: comparing two such strings, as
 * generated readers compare each element's namespace and name with their constants, is comparing two pointers.
 * Being a fresh copy, it keeps nothing of the document alive either.
 */
function intern(text: string): string {
  for (const key in { [text]: true }) return key
  return text
}

/** What `XmlCursor.step` read: a start tag, an end tag, or character data (text or a CDATA section). */
export const START = 1
export const END = 2
export const TEXT = 3
export type XmlEvent = typeof START | typeof END | typeof TEXT

/**
 * Parses one XML document into a namespace-resolved element tree.
 *
 * @example
 * const root = readXml('<a:x xmlns:a="urn:a"><a:y>1 &amp; 2</a:y></a:x>', { maxDepth: 32 })
 * root.ns === 'urn:a'; root.children[0].text === '1 & 2'
 */
export function readXml(xml: string, options: XmlReadOptions): XmlElement {
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
 * A pull reader over one document: generated readers (generated/codecs.ts) walk it straight into typed values,
 * without an element tree in between; `readXml` builds a tree with it.
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

  private readonly xml: string
  private readonly length: number
  private readonly maxDepth: number
  private pos = 0
  /** Qualified names of the open elements, for matching end tags. */
  private readonly open: string[] = []
  private readonly scopes: Scope[] = []
  /** The last start tag closed itself: the next event is its end. */
  private selfClosed = false
  private rootSeen = false
  private ended = false
  private nameHash = 0
  /** The current TEXT event: raw range, and its decoded value once asked for (or when it holds references). */
  private textStart = 0
  private textEnd = 0
  private decoded: string | undefined
  /** Next "&" and "]]>" at or after the reading position (-1: none left), so that no text range is searched twice. */
  private nextAmp = 0
  private nextCdataEnd = 0

  constructor(xml: string, options: XmlReadOptions) {
    if (xml.charCodeAt(0) === 0xfeff) xml = xml.slice(1)
    // The precise test (lone surrogates) is slow on large text; the cheap one clears almost every document first.
    const forbidden = SUSPECT.test(xml) ? NOT_XML.exec(xml) : null
    if (forbidden) throw new XmlReadError(`Malformed XML: it contains ${describe(forbidden[0])}, which XML 1.0 does not allow`)
    // Literal CR and CRLF read as LF (XML 1.0 section 2.11); a CR that matters arrives as &#xD;.
    if (xml.indexOf('\r') >= 0) xml = xml.replace(/\r\n?/g, '\n')
    this.xml = xml
    this.length = xml.length
    this.maxDepth = options.maxDepth
    this.nextAmp = xml.indexOf('&')
    this.nextCdataEnd = xml.indexOf(']]>')
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

  /** The decoded character data of the current TEXT event. */
  private chunk(): string {
    if (this.decoded !== undefined) return this.decoded
    const text = this.xml.slice(this.textStart, this.textEnd)
    return text.length < V8_SLICE_FROM ? text : detach(text)
  }

  /** Reads the next event; 0 at the end of the document (outside the root element). */
  private step(): XmlEvent | 0 {
    if (this.selfClosed) {
      this.selfClosed = false
      return END
    }
    const xml = this.xml
    for (;;) {
      const pos = this.pos
      if (pos >= this.length) {
        if (this.open.length > 0) this.fail(`<${this.open[this.open.length - 1]}> is not closed`, this.length)
        if (!this.rootSeen) this.fail('there is no root element', this.length)
        // A caller that reads on would otherwise loop here for ever.
        if (this.ended) throw new Error('XmlCursor: read past the end of the document')
        this.ended = true
        return 0
      }
      let lt = xml.indexOf('<', pos)
      if (lt < 0) lt = this.length
      if (lt > pos) {
        this.pos = lt
        if (this.open.length === 0) {
          for (let i = pos; i < lt; i++) {
            if (!isSpace(xml.charCodeAt(i))) this.fail(this.rootSeen ? 'there is text after the root element' : 'there is text before the root element', i)
          }
          continue
        }
        if (this.nextCdataEnd >= 0 && this.nextCdataEnd < pos) this.nextCdataEnd = xml.indexOf(']]>', pos)
        if (this.nextCdataEnd >= 0 && this.nextCdataEnd < lt) this.fail('"]]>" may not appear in text', this.nextCdataEnd)
        this.textStart = pos
        this.textEnd = lt
        if (this.nextAmp >= 0 && this.nextAmp < pos) this.nextAmp = xml.indexOf('&', pos)
        this.decoded = this.nextAmp >= 0 && this.nextAmp < lt ? decodeText(xml.slice(pos, lt)) : undefined
        return TEXT
      }
      const next = xml.charCodeAt(lt + 1)
      if (next === SLASH) return this.endTag(lt)
      if (next === BANG) {
        if (xml.startsWith('<!--', lt)) {
          const close = xml.indexOf('-->', lt + 4)
          if (close < 0) this.fail('a comment is not closed', lt)
          if (xml.slice(lt + 4, close).includes('--')) this.fail('"--" may not appear inside a comment', lt)
          this.pos = close + 3
          continue
        }
        if (xml.startsWith('<![CDATA[', lt)) {
          const close = xml.indexOf(']]>', lt + 9)
          if (close < 0) this.fail('a CDATA section is not closed', lt)
          if (this.open.length === 0) this.fail('a CDATA section outside the root element', lt)
          this.pos = close + 3
          const data = xml.slice(lt + 9, close)
          this.decoded = data.length < V8_SLICE_FROM ? data : detach(data)
          return TEXT
        }
        // A DTD can define entities that expand without bound; SOAP forbids DTDs anyway (SOAP 1.1 section 3).
        if (/^<!DOCTYPE/i.test(xml.slice(lt, lt + 9))) throw new XmlReadError('XML with a DOCTYPE declaration is not accepted')
        this.fail('"<!" starts neither a comment nor a CDATA section', lt)
      }
      if (next === QUESTION) {
        const close = xml.indexOf('?>', lt + 2)
        if (close < 0) this.fail('a processing instruction is not closed', lt)
        const target = /^[^\s?]*/.exec(xml.slice(lt + 2, close))![0]
        if (target.toLowerCase() === 'xml' && lt !== 0) this.fail('the XML declaration must come first', lt)
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
    const xml = this.xml
    const qname = this.open.pop()
    // Compare the name in place: end tags are half of all tags, and slicing each one costs.
    let close = lt + 2 + (qname ? qname.length : 0)
    while (close < this.length && isSpace(xml.charCodeAt(close))) close++
    if (qname === undefined || xml.charCodeAt(close) !== GT || !occursAt(xml, qname, lt + 2)) {
      const end = xml.indexOf('>', lt + 2)
      const found = xml.slice(lt + 2, end < 0 ? this.length : end).trimEnd()
      if (qname === undefined) this.fail(`</${found}> closes nothing`, lt)
      this.fail(`expected </${qname}>, found </${found}>`, lt)
    }
    this.scopes.pop()
    this.pos = close + 1
    return END
  }

  private fail(message: string, at: number): never {
    let line = 1
    let column = 1
    for (let i = 0; i < at && i < this.xml.length; i++) {
      if (this.xml.charCodeAt(i) === 10) {
        line++
        column = 1
      } else column++
    }
    throw new XmlReadError(`Malformed XML at line ${line}, column ${column}: ${message}`)
  }

  /** Reads a start tag at `lt` and stands on its element. */
  private startTag(lt: number): void {
    const xml = this.xml
    let i = lt + 1
    const nameStart = i
    i = this.skipName(i)
    if (i === nameStart) this.fail('"<" is not followed by a name', lt)
    const name = this.nameAt(nameStart, i)
    const qname = name.qname
    if (this.open.length >= this.maxDepth) throw new XmlReadError(`XML nests elements deeper than the limit of ${this.maxDepth} levels`)
    // Attribute names and raw values, in pairs; namespace declarations must all be known before any name is resolved.
    let raw: string[] | undefined
    for (;;) {
      const before = i
      while (i < this.length && isSpace(xml.charCodeAt(i))) i++
      const c = xml.charCodeAt(i)
      if (c === GT || c === SLASH) break
      if (i === this.length) this.fail(`<${qname}> is not closed`, lt)
      if (i === before) this.fail(`attributes of <${qname}> must be separated by white space`, i)
      const attrStart = i
      i = this.skipName(i)
      if (i === attrStart) this.fail(`<${qname}> has a malformed attribute`, i)
      const attr = xml.slice(attrStart, i)
      while (isSpace(xml.charCodeAt(i))) i++
      if (xml.charCodeAt(i) !== EQUALS) this.fail(`attribute ${attr} of <${qname}> has no value`, i)
      i++
      while (isSpace(xml.charCodeAt(i))) i++
      const quote = xml.charCodeAt(i)
      if (quote !== 34 && quote !== 39) this.fail(`the value of attribute ${attr} must be quoted`, i)
      const close = xml.indexOf(quote === 34 ? '"' : "'", i + 1)
      if (close < 0) this.fail(`the value of attribute ${attr} is not closed`, i)
      // A namespace declaration's value is held decoded (see namespaceAt); any other value raw, until needed.
      const value = attr === 'xmlns' || attr.startsWith('xmlns:') ? this.namespaceAt(i + 1, close) : xml.slice(i + 1, close)
      if (value.indexOf('<') >= 0) this.fail(`the value of attribute ${attr} contains "<"`, i)
      raw ??= []
      for (let k = 0; k < raw.length; k += 2) if (raw[k] === attr) this.fail(`<${qname}> has attribute ${attr} twice`, attrStart)
      raw.push(attr, value)
      i = close + 1
    }
    const selfClosing = xml.charCodeAt(i) === SLASH
    if (selfClosing && xml.charCodeAt(i + 1) !== GT) this.fail(`<${qname}> is not closed properly`, i)
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
      if (scope === parentScope) scope = { parent: parentScope, bindings: [] }
      const uri = raw[k + 1]!
      // Namespaces in XML 1.0 (section 5) forbids undeclaring a prefix; only the default namespace may be "".
      if (key !== 'xmlns' && uri === '') throw new XmlReadError(`Malformed XML: <${qname}> binds ${key} to an empty namespace`)
      // The shared name table keeps scopes after their documents are gone (see nameAt): nothing in them may be a view.
      const prefix = key === 'xmlns' ? '' : key.slice(6)
      scope.bindings.push(prefix.length < V8_SLICE_FROM ? prefix : detach(prefix), uri)
    }
    // Scopes never change once made, so the namespace found for this name in this scope holds until the scope does.
    if (name.scope !== scope) {
      name.ns = resolvePrefix(name.prefix, scope, qname)
      name.scope = scope
    }
    this.ns = name.ns
    this.name = name.local
    this.nil = false
    this.attributes = NO_ATTRIBUTES
    if (raw && others) {
      let attributes: Map<string, string> | undefined
      for (let k = 0; k < raw.length; k += 2) {
        const key = raw[k]!
        if (key === 'xmlns' || key.startsWith('xmlns:')) continue
        const value = decodeText(raw[k + 1]!)
        const attr = splitQName(key)
        // Unprefixed attributes are in no namespace (Namespaces in XML 1.0, section 6.2).
        const attrNs = attr.prefix === '' ? '' : resolvePrefix(attr.prefix, scope, key)
        if (attrNs === XSI_NS && attr.local === 'nil') this.nil = value.trim() === 'true' || value.trim() === '1'
        else (attributes ??= new Map()).set(attrNs === '' ? attr.local : `{${attrNs}}${attr.local}`, value)
      }
      if (attributes) this.attributes = attributes
    }
    this.rootSeen = true
    if (selfClosing) this.selfClosed = true
    else {
      this.open.push(qname)
      this.scopes.push(scope)
    }
  }

  /**
   * The namespace URI declared by the attribute value at [start, end), decoded and interned. Requests declare the
   * same few namespaces: a hit is found by comparing in place, with nothing sliced, decoded or allocated.
   */
  private namespaceAt(start: number, end: number): string {
    const length = end - start
    for (const known of knownNamespaces) {
      if (known.raw.length === length && occursAt(this.xml, known.raw, start)) return known.uri
    }
    const raw = this.xml.slice(start, end)
    // Left to the caller to refuse, with the attribute's name in the message.
    if (raw.indexOf('<') >= 0) return raw
    const known = { raw: intern(raw), uri: intern(decodeText(raw)) }
    if (knownNamespaces.length < KNOWN_NAMESPACES) knownNamespaces.push(known)
    else knownNamespaces[(nextKnownNamespace = (nextKnownNamespace + 1) % KNOWN_NAMESPACES)] = known
    return known.uri
  }

  /** Skips a name; leaves a hash of it in `nameHash`, for `nameAt`. */
  private skipName(i: number): number {
    const first = this.xml.charCodeAt(i)
    if (!isNameStart(first)) return i
    let hash = first
    i++
    for (let c = this.xml.charCodeAt(i); i < this.length && isNameChar(c); c = this.xml.charCodeAt(++i)) hash = (hash * 31 + c) | 0
    this.nameHash = hash
    return i
  }

  /**
   * The element name at [start, end), just skipped. A message repeats a few names thousands of times: a small
   * table finds each again by comparing it in place, without slicing it out and hashing it as a Map key would.
   */
  private nameAt(start: number, end: number): Name {
    const hash = this.nameHash
    const slot = (hash ^ (hash >>> 16)) & (NAME_SLOTS - 1)
    let free = -1
    for (let probe = slot; probe < slot + NAME_PROBES; probe++) {
      const cached = nameTable[probe]
      if (cached === undefined) {
        if (free < 0) free = probe
      } else if (cached.hash === hash && cached.qname.length === end - start && occursAt(this.xml, cached.qname, start)) return cached
    }
    // A new name, or one evicted by others with the same slot: split and interned once more.
    const qname = intern(this.xml.slice(start, end))
    const split = splitQName(qname)
    const name: Name = { hash, qname, prefix: intern(split.prefix), local: intern(split.local), scope: undefined, ns: '' }
    nameTable[free >= 0 ? free : slot + (nextEviction++ % NAME_PROBES)] = name
    return name
  }
}

/** `part` occurs in `text` at `at`: for names, a loop the compiler inlines beats the startsWith builtin. */
function occursAt(text: string, part: string, at: number): boolean {
  for (let i = 0; i < part.length; i++) if (text.charCodeAt(at + i) !== part.charCodeAt(i)) return false
  return true
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13
}

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58 || (c >= 0xc0 && c !== 0xd7 && c !== 0xf7)
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 0xb7
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
const SUSPECT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
/** Replaces what XML 1.0 cannot carry with U+FFFD: for text that must be written whatever it holds (faults). */
export function xmlSafe(value: string): string {
  return value.replace(new RegExp(NOT_XML.source, 'g'), '\uFFFD')
}

function describe(character: string): string {
  return `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`
}
