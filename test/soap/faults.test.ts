// Every bad input gets a SOAP 1.1 fault (HTTP 500 or 413, the right faultcode, a faultstring that says what to fix, no
// stack trace), and the server goes on answering.
import t from 'tap'
import { startTestServer } from '../helpers/server.js'
import { action, ARRAYS, child, envelope, fault, fixture, payload, post, TNS } from '../helpers/soap.js'

const LIMIT = 64 * 1024
const server = await startTestServer({ bodyLimit: LIMIT, maxDepth: 20 })
const defaults = await startTestServer()
t.teardown(async () => {
  await server.close()
  await defaults.close()
})

const GET_ACTORS = action('WSGetActors')
const nested = (depth: number) => '<x>'.repeat(depth) + '</x>'.repeat(depth)
const dictionary = (entries: string) =>
  envelope(`<TestConfigDataRequest xmlns="${TNS}"><ConnectionInfo xmlns:a="${ARRAYS}">${entries}</ConnectionInfo></TestConfigDataRequest>`)

interface Case {
  name: string
  body: string | Buffer
  headers?: Record<string, string>
  faultcode: string
  faultstring: RegExp
  endpoint?: string
  /** HTTP status; 500 unless the HTTP body itself is refused. */
  status?: number
}

const cases: Case[] = [
  { name: 'unclosed element', body: envelope('<GetActorsRequest xmlns="' + TNS + '">'), headers: { soapaction: GET_ACTORS }, faultcode: 's:Client', faultstring: /not well-formed XML.*Unclosed|not well-formed XML/ },
  { name: 'mismatched tags', body: '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body></s:Envelope>', headers: { soapaction: GET_ACTORS }, faultcode: 's:Client', faultstring: /not well-formed XML/ },
  { name: 'undefined entity', body: envelope(`<RequestBase xmlns="${TNS}"><ConnectionGuid>&nbsp;</ConnectionGuid></RequestBase>`), headers: { soapaction: action('WSTestConnection') }, faultcode: 's:Client', faultstring: /"&" must start an entity/ },
  { name: 'character reference to a forbidden character', body: envelope(`<RequestBase xmlns="${TNS}"><ConnectionGuid>&#x1;</ConnectionGuid></RequestBase>`), headers: { soapaction: action('WSTestConnection') }, faultcode: 's:Client', faultstring: /&#x1; is not a character XML 1.0 allows/ },
  { name: 'DOCTYPE', body: '<!DOCTYPE s:Envelope [<!ENTITY a "aaaa">]>' + envelope(`<RequestBase xmlns="${TNS}"><ConnectionGuid>&a;</ConnectionGuid></RequestBase>`), headers: { soapaction: action('WSTestConnection') }, faultcode: 's:Client', faultstring: /<!DOCTYPE>.*remove it/ },
  { name: 'billion laughs', body: '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>', headers: { soapaction: GET_ACTORS }, faultcode: 's:Client', faultstring: /DOCTYPE/ },
  { name: 'unknown SOAPAction', body: fixture('WSGetActors'), headers: { soapaction: action('WSDoesNotExist') }, faultcode: 'a:ActionNotSupported', faultstring: /Action 'http:\/\/www.superoffice.net\/EIS\/Connector\/1.0\/IErpConnectorWS\/WSDoesNotExist' cannot be processed.*ContractFilter mismatch.*Known actions: .*WSGetActors/ },
  { name: 'SOAPAction from another contract', body: fixture('WSGetActors'), headers: { soapaction: 'http://tempuri.org/IService/GetData' }, faultcode: 'a:ActionNotSupported', faultstring: /tempuri/ },
  { name: 'spoofed SOAPAction (body of another operation)', body: fixture('WSSaveActors'), headers: { soapaction: GET_ACTORS }, faultcode: 's:Client', faultstring: /operation WSGetActors, which takes the body element <GetActorsRequest>.*but the body holds <SaveActorsRequest>/ },
  { name: 'right element in the wrong namespace', body: fixture('WSGetActors').replace(TNS, 'http://example.com/other'), headers: { soapaction: GET_ACTORS }, faultcode: 's:Client', faultstring: /holds <GetActorsRequest> in namespace "http:\/\/example.com\/other"/ },
  { name: 'no SOAPAction and a body several operations share', body: fixture('WSTestConnection'), headers: {}, faultcode: 'a:ActionNotSupported', faultstring: /no SOAPAction header, and <RequestBase> does not name one operation/ },
  { name: 'JSON content type', body: '{"ConnectionGuid":"x"}', headers: { 'content-type': 'application/json', soapaction: GET_ACTORS }, faultcode: 's:Client', faultstring: /Content-Type "application\/json" is not supported.*text\/xml; charset=utf-8/ },
  { name: 'no content type', body: fixture('WSGetActors'), headers: { 'content-type': '', soapaction: GET_ACTORS }, faultcode: 's:Client', faultstring: /Content-Type "\(none\)"/ },
  { name: 'a charset other than UTF-8', body: fixture('WSGetActors'), headers: { 'content-type': 'text/xml; charset=iso-8859-1', soapaction: GET_ACTORS }, faultcode: 's:Client', faultstring: /iso-8859-1/ },
  { name: 'SOAP 1.2 content type', body: fixture('WSGetActors'), headers: { 'content-type': 'application/soap+xml; charset=utf-8', soapaction: GET_ACTORS }, faultcode: 's:VersionMismatch', faultstring: /SOAP 1.1/ },
  { name: 'SOAP 1.2 envelope', body: fixture('WSGetActors').replace('http://schemas.xmlsoap.org/soap/envelope/', 'http://www.w3.org/2003/05/soap-envelope'), headers: { soapaction: GET_ACTORS }, faultcode: 's:VersionMismatch', faultstring: /SOAP 1.2 envelope namespace/ },
  { name: 'bytes that are not UTF-8', body: Buffer.concat([Buffer.from(fixture('WSGetActors').slice(0, 200)), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(fixture('WSGetActors').slice(200))]), headers: { soapaction: GET_ACTORS }, faultcode: 's:Client', faultstring: /not valid UTF-8/ },
  { name: 'body over the configured limit', body: envelope(`<RequestBase xmlns="${TNS}"><ConnectionGuid>${'x'.repeat(LIMIT)}</ConnectionGuid></RequestBase>`), headers: { soapaction: action('WSTestConnection') }, faultcode: 's:Client', faultstring: new RegExp(`larger than the limit of ${LIMIT} bytes`), status: 413 },
  { name: 'body over the default limit (4 MiB)', endpoint: 'defaults', body: envelope(`<RequestBase xmlns="${TNS}"><ConnectionGuid>${'x'.repeat(4 * 1024 * 1024)}</ConnectionGuid></RequestBase>`), headers: { soapaction: action('WSTestConnection') }, faultcode: 's:Client', faultstring: /larger than the limit of 4194304 bytes/, status: 413 },
  { name: 'nesting deeper than the limit', body: envelope(`<GetActorsRequest xmlns="${TNS}">${nested(30)}</GetActorsRequest>`), headers: { soapaction: GET_ACTORS }, faultcode: 's:Client', faultstring: /deeper than 20 levels/ },
  { name: 'deep nesting with the default limit', endpoint: 'defaults', body: envelope(nested(100_000)), headers: { soapaction: GET_ACTORS }, faultcode: 's:Client', faultstring: /deeper than 32 levels/ },
  { name: 'not an envelope', body: '<GetActorsRequest xmlns="' + TNS + '"/>', headers: { soapaction: GET_ACTORS }, faultcode: 's:Client', faultstring: /not a SOAP 1.1 envelope: the root element is <GetActorsRequest>/ },
  { name: 'empty body', body: '', headers: { soapaction: GET_ACTORS }, faultcode: 's:Client', faultstring: /the body is empty/ },
  { name: 'a body of byte order marks and Unicode spaces', body: '\uFEFF\u00A0\u3000\n', headers: { soapaction: GET_ACTORS }, faultcode: 's:Client', faultstring: /the body is empty/ },
  { name: 'envelope without a Body', body: '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"/>', headers: { soapaction: GET_ACTORS }, faultcode: 's:Client', faultstring: /no <s:Body>/ },
  { name: 'two elements in the Body', body: envelope(`<RequestBase xmlns="${TNS}"/><RequestBase xmlns="${TNS}"/>`), headers: { soapaction: action('WSTestConnection') }, faultcode: 's:Client', faultstring: /holds 2 elements/ },
  { name: 'mustUnderstand header', body: `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><o:Security xmlns:o="urn:sec" s:mustUnderstand="1"/></s:Header><s:Body><RequestBase xmlns="${TNS}"/></s:Body></s:Envelope>`, headers: { soapaction: action('WSTestConnection') }, faultcode: 's:MustUnderstand', faultstring: /\{urn:sec\}Security/ },
  { name: 'undeclared namespace prefix', body: envelope('<x:GetActorsRequest/>'), headers: { soapaction: GET_ACTORS }, faultcode: 's:Client', faultstring: /prefix "x" of <x:GetActorsRequest> is not declared/ },
  { name: 'dictionary key given twice', body: dictionary('<a:KeyValueOfstringstring><a:Key>A</a:Key><a:Value>1</a:Value></a:KeyValueOfstringstring><a:KeyValueOfstringstring><a:Key>A</a:Key><a:Value>2</a:Value></a:KeyValueOfstringstring>'), headers: { soapaction: action('WSTestConfigData') }, faultcode: 's:Client', faultstring: /TestConfigDataRequest\/ConnectionInfo: the key "A" appears twice/ },
  { name: 'a raw control character', body: envelope(`<RequestBase xmlns="${TNS}"><ConnectionGuid>a\u0001b</ConnectionGuid></RequestBase>`), headers: { soapaction: action('WSTestConnection') }, faultcode: 's:Client', faultstring: /U\+0001, which XML 1.0 does not allow/ },
  { name: 'a control character in a tag name', body: envelope(`<Request\u0001Base xmlns="${TNS}"/>`), headers: { soapaction: action('WSTestConnection') }, faultcode: 's:Client', faultstring: /U\+0001/ },
  { name: 'a prefix bound to the empty namespace', body: envelope(`<RequestBase xmlns="${TNS}" xmlns:p=""/>`), headers: { soapaction: action('WSTestConnection') }, faultcode: 's:Client', faultstring: /binds xmlns:p to an empty namespace/ },
  { name: 'text after the root element', body: fixture('WSGetActors') + 'trailing', headers: { soapaction: GET_ACTORS }, faultcode: 's:Client', faultstring: /text after the root element/ },
  { name: 'a name with an empty prefix', body: envelope(`<:RequestBase xmlns="${TNS}"/>`), headers: { soapaction: action('WSTestConnection') }, faultcode: 's:Client', faultstring: /not well-formed|qualified name/ },
  // Several mistakes at once: the request is read in one pass, but the fault is the same whatever their order.
  { name: 'unknown SOAPAction, and the XML breaks further on', body: fixture('WSGetActors').replace('</s:Body>', '<x></s:Body>'), headers: { soapaction: action('WSDoesNotExist') }, faultcode: 's:Client', faultstring: /not well-formed XML/ },
  { name: 'a bad value, and the XML breaks further on', body: dictionary('<a:KeyValueOfstringstring><a:Value>1</a:Value></a:KeyValueOfstringstring>').replace('</s:Envelope>', '</s:Envelope><tail>'), headers: { soapaction: action('WSTestConfigData') }, faultcode: 's:Client', faultstring: /not well-formed XML/ },
  { name: 'a bad value, and a mustUnderstand header after the Body', body: dictionary('<a:KeyValueOfstringstring><a:Value>1</a:Value></a:KeyValueOfstringstring>').replace('</s:Body>', '</s:Body><s:Header><o:Security xmlns:o="urn:sec" s:mustUnderstand="1"/></s:Header>'), headers: { soapaction: action('WSTestConfigData') }, faultcode: 's:MustUnderstand', faultstring: /\{urn:sec\}Security/ },
  { name: 'a bad value deep inside, and a second element in the Body', body: dictionary('<a:KeyValueOfstringstring><a:Value>1</a:Value></a:KeyValueOfstringstring>').replace('</s:Body>', `<RequestBase xmlns="${TNS}"/></s:Body>`), headers: { soapaction: action('WSTestConfigData') }, faultcode: 's:Client', faultstring: /holds 2 elements/ },
  { name: 'two elements in the Body, and a mustUnderstand header after it', body: `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><RequestBase xmlns="${TNS}"/><RequestBase xmlns="${TNS}"/></s:Body><s:Header><o:Security xmlns:o="urn:sec" s:mustUnderstand="1"/></s:Header></s:Envelope>`, headers: { soapaction: action('WSTestConnection') }, faultcode: 's:MustUnderstand', faultstring: /\{urn:sec\}Security/ },
  { name: 'a mustUnderstand header, and the XML breaks further on', body: `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><o:Security xmlns:o="urn:sec" s:mustUnderstand="1"/></s:Header><s:Body><RequestBase xmlns="${TNS}"></s:Body></s:Envelope>`, headers: { soapaction: action('WSTestConnection') }, faultcode: 's:Client', faultstring: /not well-formed XML/ },
  { name: 'a SOAP 1.2 envelope that is not well-formed either', body: '<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body></e:Envelope>', headers: { soapaction: GET_ACTORS }, faultcode: 's:Client', faultstring: /not well-formed XML/ },
  { name: 'a body element that belongs to another operation, and a second element', body: envelope(`<SaveActorsRequest xmlns="${TNS}"><Actors><x/></Actors></SaveActorsRequest><RequestBase xmlns="${TNS}"/>`), headers: { soapaction: GET_ACTORS }, faultcode: 's:Client', faultstring: /holds 2 elements/ },
  { name: 'dictionary entry without a Key', body: dictionary('<a:KeyValueOfstringstring><a:Value>1</a:Value></a:KeyValueOfstringstring>'), headers: { soapaction: action('WSTestConfigData') }, faultcode: 's:Client', faultstring: /ConnectionInfo\[0\]: an entry has no Key/ },
]

for (const c of cases) {
  await t.test(c.name, async (t) => {
    const endpoint = c.endpoint === 'defaults' ? defaults.endpoint : server.endpoint
    const answer = await post(endpoint, c.body, c.headers ?? {})
    t.equal(answer.status, c.status ?? 500, `HTTP ${c.status ?? 500}`)
    t.equal(answer.contentType, 'text/xml; charset=utf-8')
    const { faultcode, faultstring } = fault(answer.text)
    t.equal(faultcode, c.faultcode)
    t.match(faultstring, c.faultstring)
    t.notMatch(answer.text, /\bat [\w.<>]+ \(|node_modules|\.ts:\d+/, 'no stack trace')
    if (faultcode.startsWith('a:')) t.match(answer.text, /xmlns:a="http:\/\/schemas.microsoft.com\/ws\/2005\/05\/addressing\/none"/)
    const next = await post(endpoint, fixture('WSGetConfigData'), { soapaction: action('WSGetConfigData') })
    t.equal(next.status, 200, 'the server answers the next request')
    t.equal(child(payload(next.text), 'State').text, 'Ok')
  })
}

t.test('a SOAPAction without quotes is accepted', async (t) => {
  const answer = await post(server.endpoint, fixture('WSGetConfigData'), { soapaction: action('WSGetConfigData').slice(1, -1) })
  t.equal(answer.status, 200)
})

t.test('without SOAPAction, a body element that names one operation is enough', async (t) => {
  const answer = await post(server.endpoint, fixture('WSGetSupportedActorTypeFields'))
  t.equal(answer.status, 200)
  t.equal(payload(answer.text).name, 'FieldMetadataInfoArrayPluginResponse')
})
