// The byte writer: escaping and UTF-8 in one pass, checked against a reference escaper written from XML 1.0's Char
// production and Node's encoder, on a table of cases and on random text; refusals; a buffer that grows; one shared writer that nested or failed
// writes cannot spoil.
import t from 'tap'
import { element, markup, writeXml, XmlWriteError, XmlWriter } from '../../src/soap/writer.js'

const written = (value: string) => writeXml((w) => w.text(value)).toString('utf8')
/** Long enough for the native path: 30 copies. */
const long = (s: string) => s.repeat(30)

t.test('text: given a value, want its escaped UTF-8', async (t) => {
  const cases: Array<[string, string]> = [
    ['', ''],
    ['plain', 'plain'],
    ['a < b & c > d', 'a &lt; b &amp; c &gt; d'],
    ['"quotes" and \'apostrophes\' stay', '"quotes" and \'apostrophes\' stay'],
    ['line\r\nbreak\ttab', 'line&#xD;\nbreak\ttab'],
    ['Tromsø Ålesund', 'Tromsø Ålesund'],
    ['€ 中 \uD83D\uDE00', '€ 中 😀'],
    ['\u007F\u0080\u07FF\u0800\uD7FF\uE000\uFFFD', '\u007F\u0080\u07FF\u0800\uD7FF\uE000\uFFFD'],
    [long('plain ASCII for the native path '), long('plain ASCII for the native path ')],
    [long('Tromsø 😀 '), long('Tromsø 😀 ')],
    [long('needs & escaping '), long('needs &amp; escaping ')],
    // Long enough to be written in several blocks, with a surrogate pair across the first boundary.
    ['a'.repeat(8191) + '😀' + '&\r'.repeat(9000), 'a'.repeat(8191) + '😀' + '&amp;&#xD;'.repeat(9000)],
  ]
  for (const [given, want] of cases) t.equal(written(given), want, JSON.stringify(given.slice(0, 30)))
})

t.test('a number or a boolean from an untyped caller is written as text, not dropped', async (t) => {
  t.equal(writeXml((w) => w.text(5 as unknown as string)).toString(), '5')
  t.equal(writeXml((w) => w.text(false as unknown as string)).toString(), 'false')
})

t.test('text refuses what XML 1.0 cannot carry, short or long', async (t) => {
  for (const bad of ['a\u0000', '\u0001', '\u001F', '\uFFFE', '\uFFFF', '\uD800', 'x\uD800y', '\uDC00', '\uDBFF\uDBFF']) {
    const code = bad.match(/[^\w]/u)![0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')
    t.throws(() => written(bad), { name: 'XmlWriteError', message: new RegExp(`U\\+${code}`) }, JSON.stringify(bad))
    t.throws(() => written(long('ok ') + bad), XmlWriteError, `${JSON.stringify(bad)} in a long string`)
  }
})

/** The reference: XML 1.0's Char production (section 2.2) and the escapes of section 2.4, plain and slow. */
function reference(value: string): string {
  for (const character of value) {
    const c = character.codePointAt(0)!
    const allowed = c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || c >= 0x10000
    if (!allowed) throw new XmlWriteError(`The text contains U+${c.toString(16).toUpperCase().padStart(4, '0')}, which XML 1.0 cannot carry`)
  }
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;')
}

t.test('random text: the writer agrees with the reference + Buffer.from, including on what it refuses', async (t) => {
  // A seeded generator, so that a failure can be replayed.
  let seed = 12345
  const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
  const plain = ['a', 'Z', '0', ' ', '"', 'ø', '€', '\uFFFD', '\uD83D\uDE00']
  const escaped = [...plain, '&', '<', '>', '\r', '\n', '\t']
  const any = [...escaped, '\u0001', '\uD83D', '\uDE00', '\uFFFE']
  // Each kind of string takes a different path: the native encoder, the escaping loop, a refusal.
  const outcomes = { 'no escaping': 0, escaped: 0, refused: 0 }
  for (let i = 0; i < 3000; i++) {
    const alphabet = [plain, escaped, any][i % 3]!
    const length = Math.floor(random() * (i % 2 ? 12 : 150))
    let value = ''
    for (let j = 0; j < length; j++) value += random() < 0.7 ? 'abc xyz'[j % 7]! : alphabet[Math.floor(random() * alphabet.length)]!
    const outcome = (write: () => Buffer): string | Error => {
      try {
        return write().toString('latin1')
      } catch (error) {
        return error as Error
      }
    }
    const want = outcome(() => Buffer.from(reference(value)))
    const got = outcome(() => writeXml((w) => w.text(value)))
    if (want instanceof Error || got instanceof Error) {
      if (want instanceof Error && got instanceof Error && got.message === want.message) outcomes.refused++
      else t.fail(`${JSON.stringify(value)}: ${String(want)} vs ${String(got)}`)
    } else if (got !== want) t.fail(`${JSON.stringify(value)}: ${JSON.stringify(want)} vs ${JSON.stringify(got)}`)
    else outcomes[want === Buffer.from(value).toString('latin1') ? 'no escaping' : 'escaped']++
  }
  t.equal(outcomes['no escaping'] + outcomes.escaped + outcomes.refused, 3000, 'every string agreed')
  for (const [kind, count] of Object.entries(outcomes)) t.ok(count > 300, `${kind}: ${count} strings`)
})

t.test('markup, elements and a buffer that grows', async (t) => {
  const NAME = element('a:Name', 'xmlns:a="urn:x"')
  t.equal(Buffer.from(NAME.open).toString(), '<a:Name xmlns:a="urn:x">')
  t.equal(Buffer.from(NAME.close).toString(), '</a:Name>')
  t.equal(Buffer.from(NAME.empty).toString(), '<a:Name xmlns:a="urn:x"/>')
  t.equal(Buffer.from(NAME.nil).toString(), '<a:Name xmlns:a="urn:x" i:nil="true"/>')
  const w = new XmlWriter(8)
  const expected: string[] = []
  for (let i = 0; i < 2000; i++) {
    w.raw(markup('<v>'))
    w.text(`${i} ø & 😀`)
    w.raw(markup('</v>'))
    expected.push(`<v>${i} ø &amp; 😀</v>`)
  }
  t.equal(w.toBuffer().toString('utf8'), expected.join(''))
  t.ok(w.capacity >= w.toBuffer().length)
})

t.test('the shared writer: a nested write gets its own, and a failed write leaves nothing behind', async (t) => {
  const outer = writeXml((w) => {
    w.raw(markup('<a>'))
    const inner = writeXml((v) => v.text('inner'))
    w.text(inner.toString())
    w.raw(markup('</a>'))
  })
  t.equal(outer.toString(), '<a>inner</a>')
  t.throws(() => writeXml((w) => {
    w.text('half written')
    w.text('\u0000')
  }), XmlWriteError)
  t.equal(writeXml((w) => w.text('next')).toString(), 'next', 'the next document starts empty')
  const first = writeXml((w) => w.text('first'))
  writeXml((w) => w.text('second overwrites the shared buffer'))
  t.equal(first.toString(), 'first', 'a returned buffer is a copy')
})
