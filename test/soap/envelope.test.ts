// Reading a SOAP 1.1 envelope on its own, as the server and the conformance client do: what it returns, the fault for
// each way the envelope or its XML is wrong, and which fault wins when several things are wrong.
import t from 'tap'
import { faultForXmlError, readEnvelope, writeEnvelope, type Payload } from '../../src/soap/envelope.js'
import { ErpConnectorWS } from '../../generated/service.js'
import { XmlErrorCode, XmlReadError, type XmlCursor } from '../../src/soap/xml.js'
import { envelope, SOAP_ENV, TNS } from '../helpers/soap.js'

const LIMITS = { maxDepth: 6, maxAttributes: 2, maxNamespaceDeclarations: 2, maxNameLength: 64 }
const readText = (x: XmlCursor) => x.text()
const item = (text: string) => envelope(`<i:Item xmlns:i="urn:i">${text}</i:Item>`)

t.test('the Body element and what its reader makes of it', async (t) => {
  const seen: Array<Payload | undefined> = []
  const choose = (payload: Payload | undefined) => (seen.push(payload), readText)
  t.strictSame(readEnvelope(item('1 &amp; 2'), LIMITS, choose), { payload: { ns: 'urn:i', name: 'Item' }, value: '1 & 2' })
  t.strictSame(readEnvelope(Buffer.from(`\uFEFF${item('bytes')}`), LIMITS, choose), { payload: { ns: 'urn:i', name: 'Item' }, value: 'bytes' }, 'bytes, with a byte order mark')
  t.strictSame(readEnvelope(envelope(''), LIMITS, choose), { payload: undefined, value: undefined }, 'an empty Body')
  t.strictSame(seen, [{ ns: 'urn:i', name: 'Item' }, { ns: 'urn:i', name: 'Item' }, undefined], 'choose sees each Body element, or undefined')
  const passedOver = readEnvelope(item('x'), LIMITS, () => undefined)
  t.strictSame(passedOver, { payload: { ns: 'urn:i', name: 'Item' }, value: undefined }, 'no reader: the element is passed over')
  const withHeader = `<s:Envelope xmlns:s="${SOAP_ENV}"><s:Header><h xmlns="urn:h" s:mustUnderstand="0"/></s:Header><s:Body><i:Item xmlns:i="urn:i">h</i:Item></s:Body><s:Body/></s:Envelope>`
  t.equal(readEnvelope(withHeader, LIMITS, () => readText).value, 'h', 'headers not marked mustUnderstand and a second Body are passed over')
})

t.test('each way the input is wrong has its fault', async (t) => {
  const rows: { name: string; input: string | Buffer; code: string; message: RegExp }[] = [
    { name: 'empty', input: '', code: 'SOAP_NOT_AN_ENVELOPE', message: /the body is empty/ },
    { name: 'byte order mark and spaces only', input: Buffer.from('\uFEFF \u3000\n'), code: 'SOAP_NOT_AN_ENVELOPE', message: /the body is empty/ },
    { name: 'not XML', input: 'hello', code: 'SOAP_MALFORMED_XML', message: /^The request is not well-formed XML\. .*text before the root element/ },
    { name: 'unclosed', input: `<s:Envelope xmlns:s="${SOAP_ENV}"><s:Body>`, code: 'SOAP_MALFORMED_XML', message: /not well-formed XML/ },
    { name: 'not UTF-8', input: Buffer.concat([Buffer.from(item('a')), Buffer.from([0xff])]), code: 'SOAP_MALFORMED_XML', message: /not valid UTF-8/ },
    { name: 'DOCTYPE', input: `<!DOCTYPE x>${item('a')}`, code: 'SOAP_DOCTYPE_FORBIDDEN', message: /<!DOCTYPE>.*remove it/ },
    { name: 'too deep', input: item('<a><b><c><d/></c></b></a>'), code: 'SOAP_NESTING_TOO_DEEP', message: /deeper than 6 levels/ },
    { name: 'too many attributes', input: item('<a x="1" y="2" z="3"/>'), code: 'SOAP_TOO_MANY_ATTRIBUTES', message: /more than 2 attributes \(the limit, MAX_ATTRIBUTES\).*<a> has more than 2 attributes/ },
    { name: 'too many namespace declarations', input: item('<a xmlns:p="urn:p" xmlns:q="urn:q" xmlns:r="urn:r"/>'), code: 'SOAP_TOO_MANY_NAMESPACE_DECLARATIONS', message: /more than 2 namespace declarations/ },
    { name: 'name too long', input: item(`<${'n'.repeat(65)}/>`), code: 'SOAP_NAME_TOO_LONG', message: /longer than 64 bytes \(the limit, MAX_NAME_LENGTH\).*an element name is longer/ },
    { name: 'SOAP 1.2', input: '<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>', code: 'SOAP_VERSION_MISMATCH', message: /SOAP 1\.1/ },
    { name: 'another root', input: `<Item xmlns="${TNS}"/>`, code: 'SOAP_NOT_AN_ENVELOPE', message: /the root element is <Item> in namespace "http:\/\/www\.superoffice\.net/ },
    { name: 'no Body', input: `<s:Envelope xmlns:s="${SOAP_ENV}"><s:Header/></s:Envelope>`, code: 'SOAP_NOT_AN_ENVELOPE', message: /it has no <s:Body>/ },
    { name: 'two Body elements', input: envelope('<a/><b/>'), code: 'SOAP_NOT_AN_ENVELOPE', message: /<s:Body> holds 2 elements; send one/ },
    { name: 'mustUnderstand', input: `<s:Envelope xmlns:s="${SOAP_ENV}"><s:Header><h xmlns="urn:h" s:mustUnderstand="true"/></s:Header><s:Body/></s:Envelope>`, code: 'SOAP_MUST_UNDERSTAND', message: /<\{urn:h\}h> is marked mustUnderstand/ },
  ]
  for (const r of rows) t.throws(() => readEnvelope(r.input, LIMITS, () => readText), { code: r.code, message: r.message }, r.name)
})

t.test('one order of precedence: XML, then the envelope, then what choose or the reader throw', async (t) => {
  const refuse = () => {
    throw new Error('unknown action')
  }
  t.throws(() => readEnvelope(item('a'), LIMITS, refuse), { message: 'unknown action' }, 'a sound envelope: the chooser\'s error')
  t.throws(() => readEnvelope(`${item('a')}<trailing`, LIMITS, refuse), { code: 'SOAP_MALFORMED_XML' }, 'malformed XML after it wins')
  t.throws(() => readEnvelope(`${item('a')}<!DOCTYPE x>`, LIMITS, refuse), { code: 'SOAP_DOCTYPE_FORBIDDEN' }, 'a DOCTYPE after it too')
  t.throws(() => readEnvelope(envelope('<a/><b/>'), LIMITS, refuse), { code: 'SOAP_NOT_AN_ENVELOPE', message: /holds 2 elements/ }, 'two Body elements win')
  const lateHeader = `<s:Envelope xmlns:s="${SOAP_ENV}"><s:Body><a/></s:Body><s:Header><h xmlns="urn:h" s:mustUnderstand="1"/></s:Header></s:Envelope>`
  t.throws(() => readEnvelope(lateHeader, LIMITS, refuse), { code: 'SOAP_MUST_UNDERSTAND' }, 'a mustUnderstand header after the Body wins')
  const failingReader = () => () => {
    throw new Error('bad value')
  }
  t.throws(() => readEnvelope(`${item('<deep/>')}<oops>`, LIMITS, failingReader), { code: 'SOAP_MALFORMED_XML' }, 'over the reader\'s own error too')
  t.throws(() => readEnvelope(item('<a><b><c><d/></c></b></a>'), LIMITS, failingReader), { code: 'SOAP_NESTING_TOO_DEEP' }, 'a limit inside the payload wins over the reader')
})

t.test('faultForXmlError: every reader code has its own fault, by code', async (t) => {
  const codes = Object.values(XmlErrorCode)
  const faults = codes.map((code) => faultForXmlError(new XmlReadError(code, 'the reader says why'), LIMITS) as Error & { code: string })
  t.equal(new Set(faults.map((f) => f.code)).size, codes.length, 'one fault per code')
  t.notOk(faults.some((f) => !f.code.startsWith('SOAP_') || f.code === 'SOAP_INTERNAL_ERROR'), 'each a client fault of errors.ts')
  const defaults = faultForXmlError(new XmlReadError(XmlErrorCode.TooManyAttributes, 'why'), { maxDepth: 32 })
  t.match(defaults.message, /more than 500 attributes/, 'a limit not given is the reader\'s default')
})

t.test('writeEnvelope: a small answer as text, a large one as pooled bytes', async (t) => {
  const op = ErpConnectorWS.operations.WSTestConnection
  const small = writeEnvelope(op, { State: 'Ok', IsOk: true, UserExplanation: 'fine', TechExplanation: '', ErrorCode: '' })
  t.type(small, 'string')
  t.strictSame(readEnvelope(small as string, { maxDepth: 32 }, () => op.readResponse).value, { State: 'Ok', IsOk: true, UserExplanation: 'fine', TechExplanation: '', ErrorCode: '' }, 'reads back')
  const large = writeEnvelope(op, { State: 'Ok', IsOk: true, UserExplanation: 'x'.repeat(20_000), TechExplanation: '', ErrorCode: '' })
  t.not(typeof large, 'string')
  if (typeof large !== 'string') {
    t.equal(readEnvelope(large.bytes, { maxDepth: 32 }, () => op.readResponse).value?.UserExplanation?.length, 20_000, 'reads back')
    large.release()
  }
})
