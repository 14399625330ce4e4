// The XML reader against an independent, well-kept parser (fast-xml-parser): on valid documents both see the same
// elements and text; what fast-xml-parser's validator rejects, the reader rejects too.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import t from 'tap'
import { PROJECT_ROOT } from '../../src/server.js'
import { readXml, type XmlElement } from '../../src/soap/xml.js'
import { FIXTURES } from '../helpers/soap.js'

const oracle = new XMLParser({ preserveOrder: true, ignoreAttributes: false, parseTagValue: false, trimValues: false, processEntities: true, cdataPropName: false, ignoreDeclaration: true, ignorePiTags: true, commentPropName: false })

type Node = Record<string, unknown>
interface Shape {
  name: string
  text: string
  children: Shape[]
}

function fromOracle(node: Node): Shape {
  const qname = Object.keys(node).find((k) => k !== ':@' && k !== '#text')!
  const children: Shape[] = []
  let text = ''
  for (const child of node[qname] as Node[]) {
    if ('#text' in child) text += String(child['#text'])
    else children.push(fromOracle(child))
  }
  return { name: qname.includes(':') ? qname.slice(qname.indexOf(':') + 1) : qname, text, children }
}

function fromReader(el: XmlElement): Shape {
  return { name: el.name, text: el.text, children: el.children.map(fromReader) }
}

const documents: Array<[string, string]> = [
  ...readdirSync(FIXTURES).filter((f) => f.endsWith('.xml')).map((f): [string, string] => [f, readFileSync(path.join(FIXTURES, f), 'utf8')]),
  ['the WSDL', readFileSync(path.join(PROJECT_ROOT, 'wsdl/ErpConnectorWS.wsdl'), 'utf8')],
  ['mixed content', '<a xmlns="urn:x"> x <b c="1" d=\'2\'>&lt;&amp;&gt;&quot;&apos;</b>\n <![CDATA[<raw>]]> y <!-- note --> <e/></a>'],
  ['whitespace and Unicode', '<a>  Ærø 😀 \t tabs  <b>  </b></a>'],
]

for (const [name, xml] of documents) {
  t.test(`same tree as fast-xml-parser: ${name}`, async (t) => {
    const ours = fromReader(readXml(xml, { maxDepth: 64 }))
    const nodes = (oracle.parse(xml) as Node[]).filter((n) => Object.keys(n).some((k) => k !== ':@' && k !== '#text'))
    t.same(ours, fromOracle(nodes[0]!))
  })
}

const malformed = ['<a><b></a>', '<a>', '<a></b>', '<a b="1" b="2"/>', '<a b=1/>', '<1a/>', '</a>', '<a attr/>', 'text']
for (const xml of malformed) {
  t.test(`both refuse ${JSON.stringify(xml)}`, async (t) => {
    t.not(XMLValidator.validate(xml), true, 'fast-xml-parser refuses it')
    t.throws(() => readXml(xml, { maxDepth: 8 }), /Malformed XML|not accepted/, 'the reader refuses it')
  })
}

// Not well-formed either (XML 1.0 sections 2.1, 2.5, 2.11), but fast-xml-parser's validator lets them through.
const stricter = ['<a/><b/>', '<a><!-- x -- y --></a>', '<a>]]></a>', '<a/>tail', '<a b="<"/>']
for (const xml of stricter) {
  t.test(`the reader refuses ${JSON.stringify(xml)} (fast-xml-parser does not)`, async (t) => {
    t.throws(() => readXml(xml, { maxDepth: 8 }), /Malformed XML/)
  })
}
