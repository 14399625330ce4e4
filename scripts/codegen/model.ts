/**
 * What the generator knows about one WSDL, read from it by read.ts and turned into code by the transforms. Every
 * emitter (types.ts, codecs.ts, service.ts, and any other file generate() writes) takes this model.
 */

export const XS = 'http://www.w3.org/2001/XMLSchema'
export const WSDL = 'http://schemas.xmlsoap.org/wsdl/'
export const WSDL_SOAP = 'http://schemas.xmlsoap.org/wsdl/soap/'
/** Data-contract serialization annotations (`IsDictionary`). */
export const SER = 'http://schemas.microsoft.com/2003/10/Serialization/'

export interface QName {
  ns: string
  name: string
}

/** The XSD built-in types a member may have. */
export const PRIMITIVES = ['string', 'boolean', 'int'] as const
export type Primitive = (typeof PRIMITIVES)[number]

export type TypeRef = { kind: 'primitive'; xsd: Primitive } | { kind: 'named'; ns: string; name: string }

/** One `xs:element` of a sequence: a data-contract member or a message part. */
export interface Member {
  name: string
  ns: string
  type: TypeRef
  minOccurs: number
  unbounded: boolean
  nillable: boolean
  /** The element's `xs:documentation`, if any. */
  documentation?: string
}

export type Shape =
  | { kind: 'struct'; members: Member[] }
  | { kind: 'array'; item: Member }
  | { kind: 'dictionary'; entry: QName; key: Member; value: Member }

export interface ComplexType {
  ns: string
  name: string
  shape: Shape
  documentation?: string
}

export interface EnumType {
  ns: string
  name: string
  values: string[]
  documentation?: string
}

export interface Operation {
  name: string
  soapAction: string
  /** Local name of the request wrapper element (in the target namespace). */
  request: string
  /** Local name of the response wrapper element (in the target namespace). */
  response: string
  documentation?: string
}

export interface Model {
  /** The WSDL's path relative to the project root, as the generated code names it. */
  wsdlRelative: string
  /** The wsdl:service name: names the operation table and its types. */
  service: string
  targetNs: string
  /** Named complex types (and anonymous ones named after their element), by `key(ns, name)`. */
  complexTypes: Map<string, ComplexType>
  enums: Map<string, EnumType>
  /** Operation wrapper elements, by local name. */
  wrappers: Map<string, ComplexType>
  operations: Operation[]
  /** The prefix written for each namespace; the target namespace is the default one (''). */
  prefixes: Map<string, string>
}

/** The key of a named type in `Model.complexTypes` and `Model.enums`. */
export function key(ns: string, name: string): string {
  return `{${ns}}${name}`
}

/** Stops codegen with a message naming what in the WSDL it cannot generate. */
export function fail(message: string): never {
  throw new Error(`codegen: ${message}`)
}
