// The XML reader: namespaces by URI through nested scopes, entity decoding, and a cost that grows with the size of
// the document, not with (declarations × elements).
import v8 from 'node:v8'
import { runInNewContext } from 'node:vm'
import t from 'tap'
import { escapeText } from '../../src/soap/writer.js'
import { readXml, XmlCursor, XmlErrorCode, XmlReadError, xmlSafe } from '../../src/soap/xml.js'

t.test('namespaces resolve through nested scopes and redeclarations', async (t) => {
  const root = readXml('<a:r xmlns:a="urn:1" xmlns="urn:d"><x/><a:y xmlns:a="urn:2"><a:z/></a:y><a:w/><q xmlns=""/></a:r>', { maxDepth: 10 })
  t.same(
    root.children.map((c) => [c.name, c.ns]),
    [
      ['x', 'urn:d'],
      ['y', 'urn:2'],
      ['w', 'urn:1'],
      ['q', ''],
    ],
  )
  t.equal(root.children[1]!.children[0]!.ns, 'urn:2')
})

t.test('entities and character references decode once; CR/LF as XML says', async (t) => {
  const el = readXml('<r>&amp;lt; &#x1F600;&#128512; &#xD;&#10; a\r\nb <![CDATA[&amp;]]></r>', { maxDepth: 4 })
  t.equal(el.text, '&lt; 😀😀 \r\n a\nb &amp;')
})

t.test('what XML cannot carry is refused on write, and replaced where text must be written anyway', async (t) => {
  t.throws(() => escapeText('a\u0001b'), /U\+0001/)
  t.throws(() => escapeText('\uD800'), /U\+D800/)
  t.equal(escapeText(xmlSafe('a\u0001b\uFFFF')), 'a\uFFFDb\uFFFD')
})

t.test('many namespace declarations cost in proportion to the document (ratio against a baseline)', async (t) => {
  const elements = '<c xmlns:z="u"/>'.repeat(20_000)
  const declarations = Array.from({ length: 3000 }, (_, i) => ` xmlns:p${i}="u"`).join('')
  const time = (xml: string) => {
    const best = [0, 1, 2].map(() => {
      const start = process.hrtime.bigint()
      readXml(xml, { maxDepth: 10, maxNamespaceDeclarations: 3000 })
      return Number(process.hrtime.bigint() - start)
    })
    return Math.min(...best)
  }
  const baseline = time(`<r${' '.repeat(declarations.length)}>${elements}</r>`)
  const loaded = time(`<r${declarations}>${elements}</r>`)
  // Copying scopes made this about 100x; allow for a noisy machine without letting that come back.
  t.ok(loaded / baseline < 10, `3000 declarations in scope cost ${(loaded / baseline).toFixed(2)}x the baseline`)
})

t.test('the cursor: children, text, skipping, and reading on after a reader gave up half-way', async (t) => {
  const x = new XmlCursor('<?xml version="1.0"?><!-- c --><r xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><a>1<!-- c -->2<![CDATA[<3>]]><n>not mine</n>4</a><b/><c i:nil="true">ignored</c><d><e><f/></e>g</d></r> ', { maxDepth: 8 })
  x.root()
  t.equal(x.name, 'r')
  const seen: Array<[string, string | null]> = []
  while (x.enterChild()) {
    if (x.at('', 'd')) {
      const depth = x.depth
      t.ok(x.enterChild(), 'd has a child')
      t.ok(x.enterChild(), 'e has a child')
      x.leave(depth)
      seen.push(['d', 'left'])
    } else seen.push([x.name, x.nil ? (x.skip(), null) : x.text()])
  }
  x.end()
  t.same(seen, [['a', '12<3>4'], ['b', ''], ['c', null], ['d', 'left']])
  const self = new XmlCursor('<r/>', { maxDepth: 2 })
  self.root()
  t.equal(self.enterChild(), false, 'a self-closing root has no children')
  self.end()
  const tail = new XmlCursor('<r/><s/>', { maxDepth: 2 })
  tail.root()
  tail.skip()
  t.throws(() => tail.end(), /second root element/)
  const broken = new XmlCursor('<r><a></r>', { maxDepth: 4 })
  broken.root()
  t.ok(broken.enterChild())
  t.throws(() => broken.drain(), /expected <\/a>, found <\/r>/)
})

for (const [form, wrap] of [['text', (v: string) => v], ['a CDATA section', (v: string) => `<![CDATA[${v}]]>`]] as const) t.test(`a value read from a document (${form}) does not keep the whole document alive`, async (t) => {
  v8.setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const read = () => {
    // Built at run time, so that the document is a string of its own and not a constant of this file.
    const document = `<r><v>${wrap('value that outlives the read '.repeat(2))}</v><pad>${'y'.repeat(16_000_000 + Math.floor(Math.random() * 10))}</pad></r>`
    const x = new XmlCursor(document, { maxDepth: 4 })
    x.root()
    x.enterChild()
    const value = x.text()
    x.drain()
    return value
  }
  gc()
  const before = process.memoryUsage().heapUsed
  const kept = read()
  gc()
  const after = process.memoryUsage().heapUsed
  t.match(kept, /^value that outlives/)
  t.ok(after - before < 4_000_000, `heap grew by ${((after - before) / 1e6).toFixed(1)} MB while one value of a 16 MB document is kept`)
})

t.test('the names and namespaces remembered from one document to the next keep none of the documents alive', async (t) => {
  v8.setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const read = () => {
    // Long names, prefix and URI, which the shared name and namespace tables keep: none of them may keep the document alive.
    const tag = `prefix_long_${Math.random().toString(36).slice(2)}:element_with_a_long_name`
    const document =
      `<${tag} xmlns:${tag.split(':')[0]}="urn:a-namespace-long-enough-to-be-a-view-${Math.random()}">` +
      `<${tag}/><pad>${'y'.repeat(16_000_000)}</pad></${tag}>`
    const x = new XmlCursor(document, { maxDepth: 4 })
    x.root()
    while (x.enterChild()) x.skip()
    x.end()
  }
  gc()
  const before = process.memoryUsage().heapUsed
  read()
  gc()
  const after = process.memoryUsage().heapUsed
  t.ok(after - before < 4_000_000, `heap grew by ${((after - before) / 1e6).toFixed(1)} MB after reading a 16 MB document`)
})

t.test('names that hash alike, and more names than the name table holds, are each read as themselves', async (t) => {
  // "Aa" and "BB" have the same hash (31 * 65 + 97 = 31 * 66 + 66) and length: only comparing the characters tells them apart.
  const colliding = ['xAa', 'xBB', 'xAaAa', 'xBBBB', 'xAaBB', 'xBBAa']
  const many = Array.from({ length: 600 }, (_, i) => `n${i.toString(36)}`)
  const names = [...colliding, ...many, ...colliding.reverse()]
  for (let round = 0; round < 2; round++) {
    const root = readXml(`<r xmlns:p="urn:p">${names.map((n, i) => (i % 2 ? `<p:${n}/>` : `<${n}></${n}>`)).join('')}</r>`, { maxDepth: 4 })
    t.same(
      root.children.map((c) => `${c.ns}|${c.name}`),
      names.map((n, i) => `${i % 2 ? 'urn:p' : ''}|${n}`),
      `round ${round + 1}`,
    )
  }
  t.throws(() => readXml('<xAa></xBB>', { maxDepth: 2 }), /expected <\/xAa>, found <\/xBB>/, 'an end tag that only hashes like its start tag is refused')
})

t.test('a document read from its UTF-8 bytes reads as the same document given as text', async (t) => {
  const documents = [
    '<a xmlns="urn:x" xmlns:p="urn:p"><p:b c="1 &amp; 2">x\r\ny\rz&#xD;</p:b><!-- c --><![CDATA[<raw>\r\n]]><?pi data?></a>',
    '\uFEFF<?xml version="1.0" encoding="utf-8"?>\r\n<r>\r\n  <Ærø·x>Tromsø 😀 &#x1F600;</Ærø·x>\r\n</r>\r\n',
    '<r><é/><日本>語</日本><n.a-b_c>1</n.a-b_c></r>',
  ]
  for (const text of documents) {
    const fromText = readXml(text, { maxDepth: 8 })
    const fromBytes = readXml(Buffer.from(text, 'utf8'), { maxDepth: 8 })
    t.same(fromBytes, fromText, JSON.stringify(text.slice(0, 40)))
  }
  const crlf = readXml(Buffer.from('<a>x\r\ny\rz&#xD;</a>'), { maxDepth: 2 })
  t.equal(crlf.text, 'x\ny\nz\r', 'literal CR and CRLF read as LF; &#xD; stays a CR')
  t.equal(readXml(Buffer.from('\uFEFF<a>1</a>'), { maxDepth: 2 }).text, '1', 'a byte order mark is passed over')
  t.throws(() => readXml(Buffer.from('\uFEFF<a></b>'), { maxDepth: 2 }), /line 1, column 4:/, 'and is not counted in the position of an error')
})

t.test('bytes that are not UTF-8, or that encode what XML cannot carry, are refused', async (t) => {
  const cases: Array<[string, number[], RegExp]> = [
    ['a control character', [...Buffer.from('<a>'), 0x01, ...Buffer.from('</a>')], /U\+0001/],
    ['U+FFFE', [...Buffer.from('<a>'), 0xef, 0xbf, 0xbe, ...Buffer.from('</a>')], /U\+FFFE/],
    ['U+FFFF', [...Buffer.from('<a>'), 0xef, 0xbf, 0xbf, ...Buffer.from('</a>')], /U\+FFFF/],
    ['a broken sequence', [...Buffer.from('<a>'), 0xc3, 0x28, ...Buffer.from('</a>')], /not valid UTF-8/],
    ['an encoded surrogate', [...Buffer.from('<a>'), 0xed, 0xa0, 0x80, ...Buffer.from('</a>')], /not valid UTF-8/],
    ['× in a name', [...Buffer.from('<a'), 0xc3, 0x97, ...Buffer.from('/>')], /must be separated by white space/],
    ['· starting a name', [...Buffer.from('<'), 0xc2, 0xb7, ...Buffer.from('a/>')], /not followed by a name/],
    ['a processing instruction whose target ends at a no-break space', [...Buffer.from('<?\u00A0x?><a/>')], /without a target/],
    ['an XML declaration after the root, its target ended by U+2028', [...Buffer.from('<a/><?xml\u2028version="1.0"?>')], /must come first/],
  ]
  for (const [name, bytes, message] of cases) t.throws(() => readXml(Buffer.from(bytes), { maxDepth: 2 }), message, name)
})

t.test('reading past the end of a document fails rather than waiting for ever', async (t) => {
  const x = new XmlCursor('<a/>', { maxDepth: 2 })
  x.root()
  x.skip()
  x.end()
  t.throws(() => x.skip(), /read past the end of the document/)
  t.doesNotThrow(() => x.drain(), 'drain after the end does nothing')
})

t.test('every refusal is an XmlReadError with the stable code callers decide by', async (t) => {
  const limits = { maxDepth: 3, maxAttributes: 1, maxNamespaceDeclarations: 1, maxNameLength: 8 }
  const rows: Array<[string, string | Buffer, XmlErrorCode]> = [
    ['mismatched end tag', '<a></b>', XmlErrorCode.Malformed],
    ['undeclared prefix', '<p:a/>', XmlErrorCode.Malformed],
    ['an undefined entity', '<a>&nbsp;</a>', XmlErrorCode.Malformed],
    ['bytes that are not UTF-8', Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0x3c, 0x2f, 0x61, 0x3e]), XmlErrorCode.Malformed],
    ['a character XML 1.0 does not allow', '<a>\u0001</a>', XmlErrorCode.Malformed],
    ['no root element', '', XmlErrorCode.Malformed],
    ['a DOCTYPE', '<!DOCTYPE a><a/>', XmlErrorCode.Doctype],
    ['nesting', '<a><b><c><d/></c></b></a>', XmlErrorCode.TooDeep],
    ['attributes', '<a x="1" y="2"/>', XmlErrorCode.TooManyAttributes],
    ['namespace declarations', '<a xmlns:p="urn:p" xmlns:q="urn:q"/>', XmlErrorCode.TooManyNamespaceDeclarations],
    ['an element name', '<abcdefghi/>', XmlErrorCode.NameTooLong],
    ['an attribute name', '<a abcdefghi="1"/>', XmlErrorCode.NameTooLong],
    ['a namespace URI', '<a xmlns="urn:abcdefghi"/>', XmlErrorCode.NameTooLong],
  ]
  for (const [name, input, code] of rows) {
    let caught: unknown
    try {
      readXml(input, limits)
    } catch (error) {
      caught = error
    }
    t.ok(caught instanceof XmlReadError, `${name}: an XmlReadError`)
    t.equal((caught as XmlReadError).code, code, name)
  }
})
