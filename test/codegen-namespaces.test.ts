// Namespaces come from the parsed document: the Echo WSDL rewritten with other prefixes, a default namespace, or
// declarations moved onto the elements that use them generates exactly the files the original does.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { generate } from '../scripts/codegen.js'
import { PROJECT_ROOT } from '../src/server.js'

const GIVEN = 'test/fixtures/codegen/Echo.wsdl'
const original = readFileSync(path.join(PROJECT_ROOT, GIVEN), 'utf8')
const want = await generate(GIVEN)

const XS = 'http://www.w3.org/2001/XMLSchema'
const ARRAYS = 'http://schemas.microsoft.com/2003/10/Serialization/Arrays'

/** Renames prefix `from` to `to` in element names, attribute QName values and its declaration. */
function renamePrefix(text: string, from: string, to: string): string {
  return text
    .replaceAll(`<${from}:`, `<${to}:`)
    .replaceAll(`</${from}:`, `</${to}:`)
    .replaceAll(`xmlns:${from}=`, `xmlns:${to}=`)
    .replaceAll(`="${from}:`, `="${to}:`)
}

const variants: Array<[string, (wsdl: string) => string]> = [
  ['other prefixes (xsd:, w:, s11:, e:, ar:)', (wsdl) => ['xs:xsd', 'wsdl:w', 'soap:s11', 'tns:e', 'arr:ar'].reduce((text, pair) => renamePrefix(text, ...(pair.split(':') as [string, string])), wsdl)],
  [
    'XML Schema as the default namespace of each schema',
    (wsdl) => {
      const [before, types, after] = wsdl.split(/(<wsdl:types>[\s\S]*<\/wsdl:types>)/)
      const schema = types!
        .replaceAll('<xs:schema ', `<xs:schema xmlns="${XS}" `)
        .replaceAll('<xs:', '<')
        .replaceAll('</xs:', '</')
        .replaceAll('type="xs:', 'type="')
      return before! + schema + after!.replace(` xmlns:xs="${XS}"`, '')
    },
  ],
  [
    'declarations on the elements that use them, and a prefix bound to another namespace outside',
    (wsdl) =>
      wsdl
        .replace(` xmlns:arr="${ARRAYS}"`, '')
        .replace('xmlns:tns="urn:example:echo">', 'xmlns:tns="urn:example:echo" xmlns:arr="urn:example:not-the-arrays">')
        .replaceAll(/<xs:element ([^>]*)type="arr:/g, `<xs:element xmlns:arr="${ARRAYS}" $1type="arr:`)
        .replaceAll('<wsdl:part ', '<wsdl:part xmlns:m="urn:example:echo" ')
        .replaceAll('element="tns:', 'element="m:'),
  ],
]

const dir = path.join(PROJECT_ROOT, `.codegen-namespaces-${process.pid}`)
mkdirSync(dir)
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

for (const [name, rewrite] of variants) {
  t.test(name, async (t) => {
    const text = rewrite(original)
    t.not(text, original, 'the rewrite changed the WSDL')
    const file = path.join(dir, `${variants.findIndex(([n]) => n === name)}.wsdl`)
    writeFileSync(file, text)
    const relative = path.relative(PROJECT_ROOT, file)
    const got = await generate(relative)
    t.same([...got.keys()], [...want.keys()])
    for (const [fileName, wanted] of want) t.equal(got.get(fileName)!.replaceAll(relative, GIVEN), wanted, fileName)
  })
}

t.test('a prefix that is not declared where it is used fails codegen, naming it', async (t) => {
  const file = path.join(dir, 'undeclared.wsdl')
  writeFileSync(file, original.replace('type="tns:Mood"', 'type="nope:Mood"'))
  await t.rejects(generate(path.relative(PROJECT_ROOT, file)), /codegen: the prefix "nope" of "nope:Mood" is not declared/)
})

t.test('a WSDL that is not well-formed, or not a WSDL, fails codegen with the reason', async (t) => {
  const cases: Array<[string, string, RegExp]> = [
    ['truncated.wsdl', original.slice(0, original.length / 2), /^codegen: \S+truncated\.wsdl is not well-formed XML: /],
    ['entity.wsdl', original.replace('<wsdl:types>', '<wsdl:types>&nbsp;'), /^codegen: \S+entity\.wsdl is not well-formed XML: .*nbsp/],
    ['schema.wsdl', `<xs:schema xmlns:xs="${XS}"/>`, /^codegen: \S+schema\.wsdl: the root element is not wsdl:definitions$/],
  ]
  for (const [name, text, want] of cases) {
    const file = path.join(dir, name)
    writeFileSync(file, text)
    await t.rejects(generate(path.relative(PROJECT_ROOT, file)), want, name)
  }
})
