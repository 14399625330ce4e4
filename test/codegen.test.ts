// `npm run codegen` is deterministic and the committed generated/ is exactly its output; the generated types
// follow the schema (XSD names, optional/nillable, enums as unions, dictionaries as Maps).
import { readFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { generate } from '../scripts/codegen.js'
import { ErpConnectorWS } from '../generated/service.js'
import { PROJECT_ROOT } from '../src/server.js'
import { writeXml } from '../src/soap/writer.js'
import { readXml, XmlCursor } from '../src/soap/xml.js'

const first = await generate()
const second = await generate()

t.test('generated/ is up to date and deterministic', async (t) => {
  for (const [name, text] of first) {
    t.equal(second.get(name), text, `${name} is the same on a second run`)
    t.equal(readFileSync(path.join(PROJECT_ROOT, 'generated', name), 'utf8'), text, `generated/${name} matches the WSDL: run npm run codegen`)
  }
})

t.test('types follow the schema', async (t) => {
  const types = first.get('types.ts')!
  const cases: Array<[string, RegExp]> = [
    ['enum as a union of its values', /export type ResponseStateWS = 'Ok' \| 'OkWithInfo' \| 'Warning' \| 'Error'/],
    ['enum with an explicit value keeps its name', /'Datetime' \| 'Label'/],
    ['dictionary as an insertion-ordered Map', /export type ArrayOfKeyValueOfstringstring = Map<string, string \| null>/],
    ['string array with nillable items', /export type ArrayOfstring = Array<string \| null>/],
    ['data contract named after its XSD type', /export interface ErpActorWS \{/],
    ['minOccurs=0 nillable string', /\n {2}ErpKey\?: string \| null\n/],
    ['minOccurs=0 value type, not nillable', /\n {2}Rank\?: number\n/],
    ['enum-typed member', /\n {2}FieldType\?: FieldMetadataTypeInfoWS\n/],
    ['message wrapper named after its element', /export interface GetActorsRequest \{\n {2}ConnectionGuid\?: string \| null\n {2}ActorType\?: string \| null\n {2}ErpKeys\?: ArrayOfstring \| null\n {2}FieldKeys\?: ArrayOfstring \| null\n\}/],
    ['empty wrapper', /export type WSGetConfigData = Record<string, never>/],
  ]
  for (const [name, pattern] of cases) t.match(types, pattern, name)
})

t.test('the operation table has every WSDL operation with its SOAPAction and wrappers', async (t) => {
  const wsdl = readXml(readFileSync(path.join(PROJECT_ROOT, 'wsdl/ErpConnectorWS.wsdl'), 'utf8'), { maxDepth: 64 })
  const binding = wsdl.children.find((c) => c.name === 'binding')!
  const bound = binding.children.filter((c) => c.name === 'operation')
  t.equal(bound.length, 17)
  for (const op of bound) {
    const name = op.attributes.get('name')!
    const soapAction = op.children.find((c) => c.name === 'operation')!.attributes.get('soapAction')
    const entry = ErpConnectorWS.operations[name as keyof typeof ErpConnectorWS.operations]
    t.equal(entry?.soapAction, soapAction, name)
  }
  t.equal(ErpConnectorWS.operations.WSTestConnection.requestElement, 'RequestBase')
  t.equal(ErpConnectorWS.operations.WSGetSupportedActorTypes.responseElement, 'StringArrayPluginResponse')
  t.equal(ErpConnectorWS.operations.WSGetConfigData.takesParameters, false)
  t.equal(ErpConnectorWS.operations.WSGetActors.takesParameters, true)
})

t.test('writers emit every member in wire order; readers take any order', async (t) => {
  const xml = writeXml((w) =>
    ErpConnectorWS.operations.WSGetActors.writeResponse(w, {
      State: 'Warning',
      IsOk: true,
      UserExplanation: '',
      TechExplanation: null,
      ErrorCode: 'X',
      Actors: [{ ErpKey: '1', ActorType: 'Customer', FieldValues: new Map([['10', 'ten'], ['2', null]]) }, null],
    }),
  )
  t.equal(
    xml.toString('utf8'),
    '<ActorArrayPluginResponse xmlns="http://www.superoffice.net/EIS/Connector/1.0" xmlns:a="http://schemas.microsoft.com/2003/10/Serialization/Arrays" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">' +
      '<State>Warning</State><IsOk>true</IsOk><UserExplanation/><TechExplanation i:nil="true"/><ErrorCode>X</ErrorCode>' +
      '<Actors><ErpActorWS><ActorType>Customer</ActorType><ErpKey>1</ErpKey><FieldValues>' +
      '<a:KeyValueOfstringstring><a:Key>10</a:Key><a:Value>ten</a:Value></a:KeyValueOfstringstring>' +
      '<a:KeyValueOfstringstring><a:Key>2</a:Key><a:Value i:nil="true"/></a:KeyValueOfstringstring>' +
      '</FieldValues><LastModified i:nil="true"/><ParentActorType i:nil="true"/><ParentErpKey i:nil="true"/></ErpActorWS>' +
      '<ErpActorWS i:nil="true"/></Actors></ActorArrayPluginResponse>',
    'integer-like keys keep their order; null members are i:nil; members alphabetical',
  )
  const x = new XmlCursor(
    '<GetActorsRequest xmlns="http://www.superoffice.net/EIS/Connector/1.0" xmlns:a="http://schemas.microsoft.com/2003/10/Serialization/Arrays"><FieldKeys><a:string>B</a:string><a:string>A</a:string></FieldKeys><Unknown><x/></Unknown><ActorType>Person</ActorType><ConnectionGuid>g</ConnectionGuid></GetActorsRequest>',
    { maxDepth: 10 },
  )
  x.root()
  const read = ErpConnectorWS.operations.WSGetActors.readRequest(x)
  x.end()
  t.same(read, { FieldKeys: ['B', 'A'], ActorType: 'Person', ConnectionGuid: 'g' }, 'an unknown member is passed over')
})

t.test('a value outside an enum is refused on write', async (t) => {
  t.throws(
    () => writeXml((w) => ErpConnectorWS.operations.WSTestConnection.writeResponse(w, { State: 'Fine' as 'Ok' })),
    /<State> must be one of Ok, OkWithInfo, Warning, Error/,
  )
})
