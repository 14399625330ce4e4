/**
 * What every transform needs to write code: escaping of WSDL strings into string literals, template literals,
 * comments and identifiers, the names generated for each XSD name, and the markup constants of codecs.ts.
 * Nothing read from the WSDL is written into generated code except through these helpers.
 */
import { escapeAttribute } from '../../src/soap/writer.js'
import { fail, key, type ComplexType, type Model } from './model.js'

/** Characters a string literal or comment cannot hold as they are: controls, line separators, lone surrogates. */
const UNSAFE = /[\u0000-\u001F\u007F\u2028\u2029]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
const SHORT_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f', '\v': '\\v' }

function escapeUnsafe(c: string): string {
  return SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`
}

/**
 * A single-quoted string literal of `value`.
 *
 * @example literal("it's") === "'it\\'s'"
 */
export function literal(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`).replace(UNSAFE, escapeUnsafe)}'`
}

/**
 * `value` as the text of a template literal (between backticks, beside `${...}` placeholders).
 *
 * @example templateText('a${b}') === 'a\\${b}'
 */
export function templateText(value: string): string {
  return value.replace(/\\|`|\$\{/g, (c) => `\\${c}`).replace(UNSAFE, escapeUnsafe)
}

/** `value` on one line of a comment: it can neither end the comment nor the line. */
export function commentText(value: string): string {
  return value.replace(/\*\//g, '*\\/').replace(/\r\n|[\r\n\u2028\u2029]/g, ' ').replace(UNSAFE, escapeUnsafe)
}

/** A JSDoc block: the summary line, then `documentation` (from the WSDL) as its own paragraph. */
export function docBlock(summary: string, documentation: string | undefined, indent = ''): string[] {
  if (documentation === undefined) return [`${indent}/** ${summary} */`]
  return [`${indent}/**`, `${indent} * ${summary}`, `${indent} *`, ...documentationLines(documentation, indent), `${indent} */`]
}

/** A member's documentation as a JSDoc block above it, or nothing. */
export function memberDoc(documentation: string | undefined, indent: string): string[] {
  if (documentation === undefined) return []
  if (!documentation.includes('\n')) return [`${indent}/** ${commentText(documentation)} */`]
  return [`${indent}/**`, ...documentationLines(documentation, indent), `${indent} */`]
}

function documentationLines(documentation: string, indent: string): string[] {
  return documentation.split('\n').map((line) => `${indent} *${line ? ' ' + commentText(line) : ''}`)
}

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'implements interface let package private protected public static yield await ' +
    // Type names TypeScript refuses for a declaration, and the global types the generated files use.
    'any bigint boolean never number object string symbol undefined unknown Array Map Record ReadonlyArray'
  ).split(' '),
)

/**
 * A TypeScript identifier for an XSD or WSDL name: characters an identifier cannot hold become `_`, and a reserved
 * word or a global type the generated code uses gets a trailing `_`.
 *
 * @example identifier('Order-Line.v2') === 'Order_Line_v2'; identifier('Map') === 'Map_'
 */
export function identifier(name: string): string {
  let id = name.replace(/[^A-Za-z0-9_$]/g, '_')
  if (/^[0-9]/.test(id) || id === '') id = `_${id}`
  return RESERVED.has(id) ? `${id}_` : id
}

const IDENTIFIER_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** `name` as a property name in an interface or object literal: as it is when it can be, else quoted. */
export function propertyKey(name: string): string {
  return IDENTIFIER_NAME.test(name) ? name : literal(name)
}

/** The expression reading property `name` of `object`. */
export function access(object: string, name: string): string {
  return IDENTIFIER_NAME.test(name) ? `${object}.${name}` : `${object}[${literal(name)}]`
}

/** The TypeScript name of a named XSD type (in types.ts, and after `read`/`write` in codecs.ts). */
export const typeName = identifier

/** An element's qualified name as written: the target namespace is the default one. */
export function tag(model: Model, ns: string, name: string): string {
  const prefix = model.prefixes.get(ns)
  return prefix ? `${prefix}:${name}` : name
}

/** The codecs.ts constant holding namespace `ns`. */
export function nsConst(model: Model, ns: string): string {
  return `NS_${model.prefixes.get(ns) || 'tns'}`
}

/** The `xmlns` declarations of every namespace the model writes, as attributes of a start tag. */
export function namespaceDeclarations(model: Model): string {
  return [...model.prefixes].map(([ns, p]) => `xmlns${p ? ':' + p : ''}="${escapeAttribute(ns)}"`).join(' ')
}

/** The name of the codecs.ts constant holding the markup of element `qname`; `root` for an operation wrapper. */
export function markupConstant(qname: string, root = false): string {
  return `${root ? 'ROOT' : 'E'}_${identifier(qname)}`
}

/** The generated constants holding encoded markup (see src/soap/writer.ts), declared once each. */
export class MarkupConstants {
  private readonly declarations = new Map<string, string>()

  /** Element `qname`; `root` marks an operation wrapper, written with every namespace declaration. */
  element(qname: string, root = false): string {
    const id = markupConstant(qname, root)
    return this.declare(id, `${root ? 'export ' : ''}const ${id} = rt.element(${literal(qname)}${root ? ', WRAPPER_NAMESPACES' : ''})`)
  }

  /** A dictionary entry of string key and string value. */
  entry(entry: string, keyName: string, valueName: string): string {
    const id = `ENTRY_${identifier(entry)}`
    return this.declare(id, `const ${id} = rt.entry(${literal(entry)}, ${literal(keyName)}, ${literal(valueName)})`)
  }

  lines(): string[] {
    return [...this.declarations].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, line]) => line)
  }

  private declare(id: string, line: string): string {
    const known = this.declarations.get(id)
    if (known !== undefined && known !== line) fail(`two elements would share the constant ${id}: ${known} / ${line}`)
    this.declarations.set(id, line)
    return id
  }
}

/** The code one kind of complex type (struct, array, dictionary) gives types.ts and codecs.ts. */
export interface ComplexTransform {
  /** The declaration in types.ts (without its doc comment). */
  type(model: Model, t: ComplexType): string[]
  /** `read<Name>(x, path)` in codecs.ts. */
  reader(model: Model, t: ComplexType): string[]
  /** `write<Name>(w, v)` in codecs.ts. */
  writer(model: Model, markup: MarkupConstants, t: ComplexType): string[]
}

export const indent = (lines: string[], by = '  ') => lines.map((l) => by + l)

export function header(model: Model): string {
  return `// Generated by \`npm run codegen\` from ${commentText(model.wsdlRelative)}. Do not edit: change the WSDL or scripts/codegen.ts.`
}

export function sorted<T extends { ns: string; name: string }>(map: Map<string, T>): T[] {
  return [...map.values()].sort((a, b) => (key(a.ns, a.name) < key(b.ns, b.name) ? -1 : 1))
}

export function sortedByName<T extends { name: string }>(map: Map<string, T>): T[] {
  return [...map.values()].sort((a, b) => (a.name < b.name ? -1 : 1))
}
