// One table per transform, openapi-typescript style: a small schema fragment given, the text each part of the
// transform emits wanted. The whole files for a whole WSDL are the golden files (codegen-echo.test.ts).
import t from 'tap'
import { array } from '../scripts/codegen/array.js'
import { parseDocument } from '../scripts/codegen/document.js'
import { dictionary } from '../scripts/codegen/dictionary.js'
import { access, commentText, identifier, literal, MarkupConstants, propertyKey, templateText, type ComplexTransform } from '../scripts/codegen/emit.js'
import { emitEnumType, readEnum, writeEnum } from '../scripts/codegen/enum.js'
import { emitTypes } from '../scripts/codegen/files.js'
import { key, type Model, type Operation, type Primitive } from '../scripts/codegen/model.js'
import { declareRoot, emitOperationEntry, emitOperationType, emitWrapperType } from '../scripts/codegen/operation.js'
import { primitiveType, readPrimitive, writePrimitive } from '../scripts/codegen/primitive.js'
import { modelOf, readSchemas } from '../scripts/codegen/read.js'
import { struct } from '../scripts/codegen/struct.js'

const XS = 'http://www.w3.org/2001/XMLSchema'
const ARRAYS = 'urn:given:arrays'

/** The model of a schema in namespace urn:t holding `given` (and, when given, a second schema in ARRAYS). */
function modelOfFragment(given: string, arrays = '', operations: Operation[] = []): Model {
  const schema = (ns: string, body: string) =>
    `<xs:schema xmlns:xs="${XS}" xmlns:tns="urn:t" xmlns:arr="${ARRAYS}" targetNamespace="${ns}" elementFormDefault="qualified">${body}</xs:schema>`
  const schemas = [parseDocument(schema('urn:t', given)), ...(arrays ? [parseDocument(schema(ARRAYS, arrays))] : [])]
  return modelOf({ wsdlRelative: 'given.wsdl', service: 'Given', targetNs: 'urn:t', operations, ...readSchemas(schemas) })
}

interface ComplexCase {
  name: string
  given: string
  /** A second schema, in namespace ARRAYS (prefix `arr` in `given`, `a` when written). */
  arrays?: string
  /** The type emitted: in urn:t unless it starts with `arr:`. */
  type: string
  want: { type: string; reader: string; writer: string; markup: string }
}

const lines = (...text: string[]) => text.join('\n')

function runComplex(construct: string, transform: ComplexTransform, cases: ComplexCase[]) {
  for (const c of cases) {
    t.test(`${construct}: ${c.name}`, async (t) => {
      const model = modelOfFragment(c.given, c.arrays)
      const [ns, name] = c.type.startsWith('arr:') ? [ARRAYS, c.type.slice(4)] : ['urn:t', c.type]
      const type = model.complexTypes.get(key(ns, name)) ?? model.wrappers.get(name)!
      const markup = new MarkupConstants()
      t.equal(transform.type(model, type).join('\n'), c.want.type, 'types.ts')
      t.equal(transform.reader(model, type).join('\n'), c.want.reader, 'reader')
      t.equal(transform.writer(model, markup, type).join('\n'), c.want.writer, 'writer')
      t.equal(markup.lines().join('\n'), c.want.markup, 'markup constants')
    })
  }
}

t.test('primitive', async (t) => {
  const cases: Array<[Primitive, { type: string; read: string; write: string }]> = [
    ['string', { type: 'string', read: 'rt.readString(x)', write: 'rt.writeString(w, E_X, v.X)' }],
    ['boolean', { type: 'boolean', read: 'rt.readBoolean(x, P)', write: 'rt.writeBoolean(w, E_X, v.X)' }],
    ['int', { type: 'number', read: 'rt.readInt(x, P)', write: 'rt.writeInt(w, E_X, v.X)' }],
  ]
  for (const [given, want] of cases) {
    t.same({ type: primitiveType(given), read: readPrimitive(given, 'P'), write: writePrimitive(given, 'E_X', 'v.X') }, want, `xs:${given}`)
  }
})

t.test('enum', async (t) => {
  const cases: Array<{ name: string; given: string; want: string }> = [
    {
      name: 'a union of its values and the list of them',
      given: '<xs:simpleType name="Color"><xs:restriction base="xs:string"><xs:enumeration value="Red"/><xs:enumeration value="Green"/></xs:restriction></xs:simpleType>',
      want: [
        '/** XSD simple type `Color` (urn:t). */',
        "export type Color = 'Red' | 'Green'",
        "export const ColorValues: readonly Color[] = ['Red', 'Green']",
      ].join('\n'),
    },
    {
      name: 'documentation, and values that need escaping',
      given:
        '<xs:simpleType name="Quote"><xs:annotation><xs:documentation>How it */ ends.</xs:documentation></xs:annotation>' +
        '<xs:restriction base="xs:string"><xs:enumeration value="it\'s"/><xs:enumeration value="a&#10;b\\c"/></xs:restriction></xs:simpleType>',
      want: [
        '/**',
        ' * XSD simple type `Quote` (urn:t).',
        ' *',
        ' * How it *\\/ ends.',
        ' */',
        "export type Quote = 'it\\'s' | 'a\\nb\\\\c'",
        "export const QuoteValues: readonly Quote[] = ['it\\'s', 'a\\nb\\\\c']",
      ].join('\n'),
    },
    {
      name: 'a name that is a global type gets a trailing _',
      given: '<xs:simpleType name="Record"><xs:restriction base="xs:string"><xs:enumeration value="A"/></xs:restriction></xs:simpleType>',
      want: ['/** XSD simple type `Record` (urn:t). */', "export type Record_ = 'A'", "export const Record_Values: readonly Record_[] = ['A']"].join('\n'),
    },
  ]
  for (const c of cases) {
    const model = modelOfFragment(c.given)
    t.equal(emitEnumType([...model.enums.values()][0]!).join('\n'), c.want, c.name)
  }
  t.equal(readEnum('Color', 'P'), 'rt.readEnum(x, T.ColorValues, P)')
  t.equal(writeEnum('Color', 'E_X', 'v.X'), 'rt.writeEnum(w, E_X, v.X, T.ColorValues)')
})

runComplex('struct', struct, [
  {
    name: 'no members: a Record of nothing, read by skipping',
    type: 'Empty',
    given: '<xs:complexType name="Empty"><xs:sequence/></xs:complexType>',
    want: {
      type: 'export type Empty = Record<string, never>',
      reader: lines(
        'export function readEmpty(x: XmlCursor, path: string): T.Empty {',
        '  const out: T.Empty = {}',
        '  x.skip()',
        '  return out',
        '}',
      ),
      writer: 'export function writeEmpty(_w: XmlWriter, _v: T.Empty): void {}',
      markup: '',
    },
  },
  {
    name: 'an optional nillable string and a required int',
    type: 'Person',
    given: '<xs:complexType name="Person"><xs:sequence><xs:element minOccurs="0" name="Name" nillable="true" type="xs:string"/><xs:element name="Age" type="xs:int"/></xs:sequence></xs:complexType>',
    want: {
      type: lines(
        'export interface Person {',
        '  Name?: string | null',
        '  Age: number',
        '}',
      ),
      reader: lines(
        'export function readPerson(x: XmlCursor, path: string): T.Person {',
        '  const out: Partial<T.Person> = {}',
        '  while (x.enterChild()) {',
        '    if (x.ns !== NS_tns) {',
        '      x.skip()',
        '      continue',
        '    }',
        '    switch (x.name) {',
        '      case \'Name\':',
        '        out.Name = rt.readString(x)',
        '        break',
        '      case \'Age\':',
        '        out.Age = rt.notNil(rt.readInt(x, `${path}/Age`), `${path}/Age`)',
        '        break',
        '      default:',
        '        x.skip()',
        '    }',
        '  }',
        '  rt.required(out.Age, `${path}/Age`)',
        '  return out as T.Person',
        '}',
      ),
      writer: lines(
        'export function writePerson(w: XmlWriter, v: T.Person): void {',
        '  rt.writeString(w, E_Name, v.Name)',
        '  if (v.Age === undefined) rt.missing(\'Age\')',
        '  rt.writeInt(w, E_Age, v.Age)',
        '}',
      ),
      markup: lines(
        'const E_Age = rt.element(\'Age\')',
        'const E_Name = rt.element(\'Name\')',
      ),
    },
  },
  {
    name: 'an enum member (documented), a complex member, and a required nillable member whose name is not an identifier',
    type: 'Paint',
    given: '<xs:complexType name="Paint"><xs:sequence><xs:element minOccurs="0" name="Color" type="tns:Color"><xs:annotation><xs:documentation>The color.</xs:documentation></xs:annotation></xs:element><xs:element minOccurs="0" name="Names" nillable="true" type="arr:ArrayOfstring"/><xs:element name="first-name" nillable="true" type="xs:boolean"/></xs:sequence></xs:complexType><xs:simpleType name="Color"><xs:restriction base="xs:string"><xs:enumeration value="Red"/></xs:restriction></xs:simpleType>',
    arrays: '<xs:complexType name="ArrayOfstring"><xs:sequence><xs:element minOccurs="0" maxOccurs="unbounded" name="string" nillable="true" type="xs:string"/></xs:sequence></xs:complexType>',
    want: {
      type: lines(
        'export interface Paint {',
        '  /** The color. */',
        '  Color?: Color',
        '  Names?: ArrayOfstring | null',
        '  \'first-name\': boolean | null',
        '}',
      ),
      reader: lines(
        'export function readPaint(x: XmlCursor, path: string): T.Paint {',
        '  const out: Partial<T.Paint> = {}',
        '  while (x.enterChild()) {',
        '    if (x.ns !== NS_tns) {',
        '      x.skip()',
        '      continue',
        '    }',
        '    switch (x.name) {',
        '      case \'Color\':',
        '        out.Color = rt.notNil(rt.readEnum(x, T.ColorValues, `${path}/Color`), `${path}/Color`)',
        '        break',
        '      case \'Names\':',
        '        out.Names = x.nil ? rt.readNil(x) : readArrayOfstring(x, `${path}/Names`)',
        '        break',
        '      case \'first-name\':',
        '        out[\'first-name\'] = rt.readBoolean(x, `${path}/first-name`)',
        '        break',
        '      default:',
        '        x.skip()',
        '    }',
        '  }',
        '  rt.required(out[\'first-name\'], `${path}/first-name`)',
        '  return out as T.Paint',
        '}',
      ),
      writer: lines(
        'export function writePaint(w: XmlWriter, v: T.Paint): void {',
        '  if (v.Color !== undefined) {',
        '    rt.writeEnum(w, E_Color, v.Color, T.ColorValues)',
        '  }',
        '  rt.writeElement(w, E_Names, v.Names, writeArrayOfstring)',
        '  rt.writeBoolean(w, E_first_name, v[\'first-name\'])',
        '}',
      ),
      markup: lines(
        'const E_Color = rt.element(\'Color\')',
        'const E_Names = rt.element(\'Names\')',
        'const E_first_name = rt.element(\'first-name\')',
      ),
    },
  },
])

runComplex('array', array, [
  {
    name: 'items that are not nillable',
    type: 'ArrayOfint',
    given: '<xs:complexType name="ArrayOfint"><xs:sequence><xs:element minOccurs="0" maxOccurs="unbounded" name="int" type="xs:int"/></xs:sequence></xs:complexType>',
    want: {
      type: 'export type ArrayOfint = Array<number>',
      reader: lines(
        'export function readArrayOfint(x: XmlCursor, path: string): T.ArrayOfint {',
        '  const out: T.ArrayOfint = []',
        '  while (x.enterChild()) {',
        '    if (!x.at(NS_tns, \'int\')) x.skip()',
        '    else out.push(rt.notNil(rt.readInt(x, `${path}[${out.length}]`), `${path}[${out.length}]`))',
        '  }',
        '  return out',
        '}',
      ),
      writer: lines(
        'export function writeArrayOfint(w: XmlWriter, v: T.ArrayOfint): void {',
        '  for (const item of v) {',
        '    if (item !== undefined) {',
        '      rt.writeInt(w, E_int, item)',
        '    }',
        '  }',
        '}',
      ),
      markup: 'const E_int = rt.element(\'int\')',
    },
  },
  {
    name: 'nillable string items in another namespace',
    type: 'arr:ArrayOfstring',
    given: '',
    arrays: '<xs:complexType name="ArrayOfstring"><xs:sequence><xs:element minOccurs="0" maxOccurs="unbounded" name="string" nillable="true" type="xs:string"/></xs:sequence></xs:complexType>',
    want: {
      type: 'export type ArrayOfstring = Array<string | null>',
      reader: lines(
        'export function readArrayOfstring(x: XmlCursor, path: string): T.ArrayOfstring {',
        '  const out: T.ArrayOfstring = []',
        '  while (x.enterChild()) {',
        '    if (!x.at(NS_a, \'string\')) x.skip()',
        '    else out.push(rt.readString(x))',
        '  }',
        '  return out',
        '}',
      ),
      writer: lines(
        'export function writeArrayOfstring(w: XmlWriter, v: T.ArrayOfstring): void {',
        '  for (const item of v) {',
        '    rt.writeString(w, E_a_string, item)',
        '  }',
        '}',
      ),
      markup: 'const E_a_string = rt.element(\'a:string\')',
    },
  },
  {
    name: 'complex items',
    type: 'ArrayOfPerson',
    given: '<xs:complexType name="ArrayOfPerson"><xs:sequence><xs:element minOccurs="0" maxOccurs="unbounded" name="Person" nillable="true" type="tns:Person"/></xs:sequence></xs:complexType><xs:complexType name="Person"><xs:sequence/></xs:complexType>',
    want: {
      type: 'export type ArrayOfPerson = Array<Person | null>',
      reader: lines(
        'export function readArrayOfPerson(x: XmlCursor, path: string): T.ArrayOfPerson {',
        '  const out: T.ArrayOfPerson = []',
        '  while (x.enterChild()) {',
        '    if (!x.at(NS_tns, \'Person\')) x.skip()',
        '    else out.push(x.nil ? rt.readNil(x) : readPerson(x, `${path}[${out.length}]`))',
        '  }',
        '  return out',
        '}',
      ),
      writer: lines(
        'export function writeArrayOfPerson(w: XmlWriter, v: T.ArrayOfPerson): void {',
        '  for (const item of v) {',
        '    rt.writeElement(w, E_Person, item, writePerson)',
        '  }',
        '}',
      ),
      markup: 'const E_Person = rt.element(\'Person\')',
    },
  },
])

runComplex('dictionary', dictionary, [
  {
    name: 'string keys and values (IsDictionary)',
    type: 'arr:ArrayOfKeyValueOfstringstring',
    given: '',
    arrays: '<xs:complexType name="ArrayOfKeyValueOfstringstring"><xs:annotation><xs:appinfo><IsDictionary xmlns="http://schemas.microsoft.com/2003/10/Serialization/">true</IsDictionary></xs:appinfo></xs:annotation><xs:sequence><xs:element minOccurs="0" maxOccurs="unbounded" name="KeyValueOfstringstring"><xs:complexType><xs:sequence><xs:element name="Key" nillable="true" type="xs:string"/><xs:element name="Value" nillable="true" type="xs:string"/></xs:sequence></xs:complexType></xs:element></xs:sequence></xs:complexType>',
    want: {
      type: 'export type ArrayOfKeyValueOfstringstring = Map<string, string | null>',
      reader: lines(
        'export function readArrayOfKeyValueOfstringstring(x: XmlCursor, path: string): T.ArrayOfKeyValueOfstringstring {',
        '  const out: T.ArrayOfKeyValueOfstringstring = new Map()',
        '  while (x.enterChild()) {',
        '    if (!x.at(NS_a, \'KeyValueOfstringstring\')) {',
        '      x.skip()',
        '      continue',
        '    }',
        '    let k: string | null | undefined',
        '    let v: string | null | undefined',
        '    while (x.enterChild()) {',
        '      if (x.at(NS_a, \'Key\')) k = rt.readString(x)',
        '      else if (x.at(NS_a, \'Value\')) v = rt.readString(x)',
        '      else x.skip()',
        '    }',
        '    if (k == null) throw new rt.SoapReadError(`${path}[${out.size}]`, \'an entry has no Key\')',
        '    if (out.has(k)) throw new rt.SoapReadError(path, `the key "${k}" appears twice`)',
        '    out.set(k, v ?? null)',
        '  }',
        '  return out',
        '}',
      ),
      writer: lines(
        'export function writeArrayOfKeyValueOfstringstring(w: XmlWriter, v: T.ArrayOfKeyValueOfstringstring): void {',
        '  v.forEach((value, k) => rt.writeStringEntry(w, ENTRY_a_KeyValueOfstringstring, k, value))',
        '}',
      ),
      markup: 'const ENTRY_a_KeyValueOfstringstring = rt.entry(\'a:KeyValueOfstringstring\', \'a:Key\', \'a:Value\')',
    },
  },
])

t.test('message and operation', async (t) => {
  const given =
    '<xs:element name="PingRequest"><xs:complexType><xs:sequence/></xs:complexType></xs:element>' +
    '<xs:element name="PingResponse"><xs:complexType><xs:sequence><xs:element minOccurs="0" name="Answer" nillable="true" type="xs:string"/></xs:sequence></xs:complexType></xs:element>'
  const cases: Array<{ name: string; operation: Operation; want: { type: string; entry: string } }> = [
    {
      name: 'a documented operation whose request has no parts',
      operation: { name: 'Ping', soapAction: 'urn:t/Ping', request: 'PingRequest', response: 'PingResponse', documentation: 'Answers.' },
      want: {
        type: lines('  /** Answers. */', '  Ping: { request: T.PingRequest; response: T.PingResponse }'),
        entry: lines(
          '    Ping: {',
          "      name: 'Ping',",
          "      soapAction: 'urn:t/Ping',",
          "      requestElement: 'PingRequest',",
          '      takesParameters: false,',
          "      responseElement: 'PingResponse',",
          "      readRequest: (x) => C.readPingRequest(x, 'PingRequest'),",
          '      writeResponse: (w, v) => rt.writeRoot(w, C.ROOT_PingResponse, v, C.writePingResponse),',
          '      writeRequest: (w, v) => rt.writeRoot(w, C.ROOT_PingRequest, v, C.writePingRequest),',
          "      readResponse: (x) => C.readPingResponse(x, 'PingResponse'),",
          '    },',
        ),
      },
    },
    {
      name: 'an operation name that is not an identifier, a SOAP action that needs escaping',
      operation: { name: 'Ping-2', soapAction: "urn:t/it's\\", request: 'PingResponse', response: 'PingResponse' },
      want: {
        type: "  'Ping-2': { request: T.PingResponse; response: T.PingResponse }",
        entry: lines(
          "    'Ping-2': {",
          "      name: 'Ping-2',",
          "      soapAction: 'urn:t/it\\'s\\\\',",
          "      requestElement: 'PingResponse',",
          '      takesParameters: true,',
          "      responseElement: 'PingResponse',",
          "      readRequest: (x) => C.readPingResponse(x, 'PingResponse'),",
          '      writeResponse: (w, v) => rt.writeRoot(w, C.ROOT_PingResponse, v, C.writePingResponse),',
          '      writeRequest: (w, v) => rt.writeRoot(w, C.ROOT_PingResponse, v, C.writePingResponse),',
          "      readResponse: (x) => C.readPingResponse(x, 'PingResponse'),",
          '    },',
        ),
      },
    },
  ]
  for (const c of cases) {
    const model = modelOfFragment(given, '', [c.operation])
    t.equal(emitOperationType(model, c.operation).join('\n'), c.want.type, `${c.name}: operations interface`)
    t.equal(emitOperationEntry(model, c.operation).join('\n'), c.want.entry, `${c.name}: operation table`)
  }
  const model = modelOfFragment(given)
  t.equal(
    emitWrapperType(model, model.wrappers.get('PingResponse')!).join('\n'),
    lines('/** Message wrapper element `PingResponse` (urn:t). */', 'export interface PingResponse {', '  Answer?: string | null', '}'),
    'a wrapper is a struct named after its element',
  )
  const markup = new MarkupConstants()
  t.equal(declareRoot(markup, model.wrappers.get('PingRequest')!), 'ROOT_PingRequest')
  t.equal(markup.lines().join('\n'), "export const ROOT_PingRequest = rt.element('PingRequest', WRAPPER_NAMESPACES)", 'a wrapper is written with every namespace declared')
})

t.test('schemas the generator refuses, with the reason', async (t) => {
  const cases: Array<{ name: string; given: string; want: RegExp }> = [
    {
      name: 'an XSD type without a transform',
      given: '<xs:complexType name="When"><xs:sequence><xs:element name="At" type="xs:dateTime"/></xs:sequence></xs:complexType>',
      want: /codegen: unsupported xs:dateTime in When/,
    },
    {
      name: 'a repeated member outside an ArrayOf type',
      given: '<xs:complexType name="Two"><xs:sequence><xs:element name="A" type="xs:int"/><xs:element maxOccurs="unbounded" name="B" type="xs:int"/></xs:sequence></xs:complexType>',
      want: /codegen: Two: repeated members are only supported as ArrayOf types/,
    },
    {
      name: 'a simple type that is not an enumeration',
      given: '<xs:simpleType name="Short"><xs:restriction base="xs:string"><xs:maxLength value="3"/></xs:restriction></xs:simpleType>',
      want: /codegen: simpleType Short is not an enumeration/,
    },
    {
      name: 'a dictionary of int values',
      given:
        '<xs:complexType name="Counts"><xs:annotation><xs:appinfo><IsDictionary xmlns="http://schemas.microsoft.com/2003/10/Serialization/">true</IsDictionary></xs:appinfo></xs:annotation>' +
        '<xs:sequence><xs:element minOccurs="0" maxOccurs="unbounded" name="KeyValueOfstringint"><xs:complexType><xs:sequence><xs:element name="Key" type="xs:string"/><xs:element name="Value" type="xs:int"/></xs:sequence></xs:complexType></xs:element></xs:sequence></xs:complexType>',
      want: /codegen: dictionary Counts: only string keys and values are supported/,
    },
    {
      name: 'a type prefix that is not declared',
      given: '<xs:complexType name="Lost"><xs:sequence><xs:element name="A" type="nowhere:A"/></xs:sequence></xs:complexType>',
      want: /codegen: the prefix "nowhere" of "nowhere:A" is not declared/,
    },
    {
      name: 'two XSD names that give one TypeScript name',
      given: '<xs:complexType name="Order.Line"><xs:sequence/></xs:complexType><xs:complexType name="Order-Line"><xs:sequence/></xs:complexType>',
      want: /codegen: complex type \{urn:t\}Order-Line and complex type \{urn:t\}Order\.Line would both be named Order_Line/,
    },
  ]
  for (const c of cases) t.throws(() => emitTypes(modelOfFragment(c.given)), c.want, c.name)
})

t.test('namespace prefixes: the target namespace is the default, the others a, b, ... in namespace order, never i', async (t) => {
  const namespaces = Array.from({ length: 27 }, (_, i) => `urn:ns:${String(i).padStart(2, '0')}`)
  const complexTypes = new Map(namespaces.map((ns) => [key(ns, 'X'), { ns, name: 'X', shape: { kind: 'struct' as const, members: [] } }]))
  const model = modelOf({ wsdlRelative: 'given.wsdl', service: 'Given', targetNs: 'urn:t', operations: [], complexTypes, enums: new Map(), wrappers: new Map() })
  t.same([...model.prefixes.values()], ['', ...'abcdefghjklmnopqrstuvwxyz'.split(''), 'a1', 'b1'])
  t.equal(model.prefixes.get('urn:ns:08'), 'j', 'the ninth namespace skips i, which the writers declare for XML Schema instance')
})

t.test('escaping helpers: what they write reads back as the string given', async (t) => {
  const strings = ["it's", 'say "hi"', 'back\\slash', '${x}', '`tick`', '*/', 'a\nb\r\nc\td', '\u2028\u2029', '\u0000\u001F\u007F', 'ок 😀', '\uD800 lone']
  // Assertion names in ASCII: a raw U+2028 would break the TAP stream itself.
  const describe = (s: string) => JSON.stringify(s).replace(/[^\x20-\x7E]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  for (const s of strings) {
    t.equal(new Function(`return ${literal(s)}`)(), s, `literal ${describe(s)}`)
    t.equal(new Function('path', `return \`\${path}/${templateText(s)}\``)('P'), `P/${s}`, `templateText ${describe(s)}`)
    const comment = commentText(s)
    t.notMatch(comment, /\*\/|[\n\r\u2028\u2029]/, `commentText ${describe(s)} neither ends the comment nor the line`)
    t.equal(new Function('o', `return ${access('o', s)}`)({ [s]: 42 }), 42, `access ${describe(s)}`)
    t.equal(new Function(`return { ${propertyKey(s)}: 1 }`)()[s], 1, `propertyKey ${describe(s)}`)
  }
  const identifiers: Array<[string, string]> = [
    ['ErpActorWS', 'ErpActorWS'],
    ['Order-Line.v2', 'Order_Line_v2'],
    ['class', 'class_'],
    ['Map', 'Map_'],
    ['string', 'string_'],
    ['1st', '_1st'],
    ['Größe', 'Gr__e'],
  ]
  for (const [given, want] of identifiers) t.equal(identifier(given), want, `identifier(${JSON.stringify(given)})`)
})
