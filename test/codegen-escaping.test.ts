// Strings from the WSDL written into generated code are escaped, and names that are not TypeScript identifiers are
// made into ones: test/fixtures/codegen/Tricky.wsdl puts quotes, backslashes, "${", "*/", backticks and line breaks
// in its namespaces, documentation, enumeration values and SOAP action, and uses names such as `line-1.text`,
// `class`, `Order.Line` and `Map`. The generated code must carry those strings unchanged and serve calls; that it
// type-checks is test/codegen-compiles.test.ts.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import Fastify from 'fastify'
import t from 'tap'
import { generate } from '../scripts/codegen.js'
import { PROJECT_ROOT } from '../src/server.js'
import { soapPlugin } from '../src/soap/plugin.js'
import { escapeAttribute, escapeText } from '../src/soap/writer.js'
import { readXml, type XmlElement } from '../src/soap/xml.js'

const GIVEN = 'test/fixtures/codegen/Tricky.wsdl'
const wsdlText = readFileSync(path.join(PROJECT_ROOT, GIVEN), 'utf8')
const files = await generate(GIVEN)

// The strings as the WSDL holds them, read by the project's XML reader, independently of codegen.
const XS = 'http://www.w3.org/2001/XMLSchema'
const wsdl = readXml(wsdlText, { maxDepth: 64 })
const descendants = (e: XmlElement): XmlElement[] => e.children.flatMap((c) => [c, ...descendants(c)])
const all = descendants(wsdl)
const targetNs = wsdl.attributes.get('targetNamespace')!
const otherNs = all.filter((e) => e.ns === XS && e.name === 'schema').map((e) => e.attributes.get('targetNamespace')!)[1]!
const enumValues = all.filter((e) => e.ns === XS && e.name === 'enumeration').map((e) => e.attributes.get('value')!)
const soapAction = all.find((e) => e.name === 'operation' && e.attributes.has('soapAction'))!.attributes.get('soapAction')!

// Written beside generated/ so that their imports of ../src resolve as they do for generated/.
const dir = path.join(PROJECT_ROOT, `.codegen-tricky-${process.pid}`)
mkdirSync(dir)
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
for (const [name, text] of files) writeFileSync(path.join(dir, name), text)

// Imported before any test starts: the directory is removed when the last test has ended.
type Tricky = {
  TrickyService: Parameters<typeof soapPlugin>[1]['service'] & { namespace: string; wsdlFile: string }
}
const { TrickyService } = (await import(path.join(dir, 'service.ts'))) as Tricky
const types = (await import(path.join(dir, 'types.ts'))) as { Map_Values: string[] }
const codecs = (await import(path.join(dir, 'codecs.ts'))) as { WRAPPER_NAMESPACES: string }

t.test('the fixture holds the strings the test is about', async (t) => {
  for (const s of [`'`, '"', '\\', '${', '*/', '\n']) t.ok(targetNs.includes(s), `the target namespace holds ${JSON.stringify(s)}`)
  for (const s of ['`', '\\', '&', '<']) t.ok(otherNs.includes(s), `the other namespace holds ${JSON.stringify(s)}`)
  t.ok(enumValues.includes('line\nbreak') && enumValues.includes("it's") && enumValues.includes('${x}'))
})

t.test('the strings reach the generated code unchanged', async (t) => {
  t.equal(TrickyService.namespace, targetNs)
  t.equal(TrickyService.wsdlFile, GIVEN)
  const op = (TrickyService.operations as Record<string, { name: string; soapAction: string }>)['Say-it.now']!
  t.same([op.name, op.soapAction], ['Say-it.now', soapAction])
  t.same(types.Map_Values, enumValues, 'an enumeration named Map becomes Map_, its values kept')
  const declarations = readXml(`<r ${codecs.WRAPPER_NAMESPACES}><a:x/></r>`, { maxDepth: 4 })
  t.same([declarations.ns, declarations.children[0]!.ns], [targetNs, otherNs], 'the wrapper namespace declarations are escaped XML')
})

t.test('the generated code serves calls with those strings', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(soapPlugin, {
    path: '/Tricky.svc',
    service: TrickyService,
    wsdl: wsdlText,
    handlers: {
      'Say-it.now': async (request: Record<string, unknown>) => ({ ...request, class: enumValues[(enumValues.indexOf(request.class as string) + 1) % enumValues.length] }),
    } as never,
  })
  const body =
    `<SayRequest xmlns="${escapeAttribute(targetNs)}" xmlns:o="${escapeAttribute(otherNs)}">` +
    `<line-1.text>${escapeText('a ${b} */ `c`')}</line-1.text><class>${escapeText('line\nbreak')}</class>` +
    `<Items><o:the-item>x</o:the-item></Items><Line><o:delete>7</o:delete><o:x-y>true</o:x-y></Line></SayRequest>`
  const answer = await app.inject({
    method: 'POST',
    url: '/Tricky.svc',
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${soapAction}"` },
    payload: `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>${body}</s:Body></s:Envelope>`,
  })
  t.equal(answer.statusCode, 200, answer.body)
  const response = readXml(answer.body, { maxDepth: 16 }).children[0]!.children[0]!
  t.same([response.name, response.ns], ['SayResponse', targetNs])
  t.same(
    response.children.map((c) => [c.ns === targetNs ? 'tns' : c.ns, c.name, c.children.length ? c.children.map((i) => `${i.ns === otherNs ? 'o:' : '?:'}${i.name}=${i.text}`) : c.text]),
    [
      ['tns', 'line-1.text', 'a ${b} */ `c`'],
      ['tns', 'class', enumValues[0]!],
      ['tns', 'Items', ['o:the-item=x']],
      ['tns', 'Line', ['o:delete=7', 'o:x-y=true']],
    ],
  )
})
