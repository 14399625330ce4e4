// Codegen and the SOAP plugin on a second, unrelated WSDL: the output matches golden files (given/want), and the
// generated code serves real SOAP calls through the plugin.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import Fastify from 'fastify'
import t from 'tap'
import { generate } from '../scripts/codegen.js'
import { PROJECT_ROOT } from '../src/server.js'
import { soapPlugin } from '../src/soap/plugin.js'
import { readXml } from '../src/soap/xml.js'

const GIVEN = 'test/fixtures/codegen/Echo.wsdl'
const WANT = path.join(PROJECT_ROOT, 'test/fixtures/codegen/expected')
const files = await generate(GIVEN)

t.test('the generated files are the golden ones (UPDATE_GOLDEN=1 rewrites them)', async (t) => {
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(WANT, { recursive: true })
    for (const [name, text] of files) writeFileSync(path.join(WANT, `${name}.golden`), text)
  }
  for (const [name, text] of files) t.equal(text, readFileSync(path.join(WANT, `${name}.golden`), 'utf8'), name)
})

t.test('the generated code serves the service through the plugin', async (t) => {
  // Written beside generated/ so that its imports of ../src resolve as they do for generated/.
  const dir = path.join(PROJECT_ROOT, `.codegen-echo-${process.pid}`)
  mkdirSync(dir)
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  for (const [name, text] of files) writeFileSync(path.join(dir, name), text)
  const { EchoService } = (await import(path.join(dir, 'service.ts'))) as { EchoService: Parameters<typeof soapPlugin>[1]['service'] }
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(soapPlugin, {
    path: '/Echo.svc',
    service: EchoService,
    wsdl: readFileSync(path.join(PROJECT_ROOT, GIVEN), 'utf8'),
    handlers: {
      Echo: async (request: { Text?: string | null; Count: number; Mood?: string; Extra?: Map<string, string | null> | null }) => ({
        Text: request.Text?.toUpperCase() ?? null,
        Count: request.Count + 1,
        Loud: true,
        Mood: request.Mood === 'Sad' ? 'Happy' : 'Sad',
        Extra: request.Extra ?? null,
      }),
      // The operation added to the WSDL: served with nothing but this handler and npm run codegen.
      Reverse: async (request: { Notes?: Array<{ Text?: string | null; Mood?: string } | null> | null }) => ({
        Notes: request.Notes ? [...request.Notes].reverse() : null,
        Count: request.Notes?.length ?? 0,
      }),
    } as never,
  })
  const call = (body: string, operation = 'Echo') =>
    app.inject({ method: 'POST', url: '/Echo.svc', headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `urn:example:echo/IEcho/${operation}` }, payload: `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>${body}</s:Body></s:Envelope>` })
  const answer = await call('<e:EchoRequest xmlns:e="urn:example:echo" xmlns:a="http://schemas.microsoft.com/2003/10/Serialization/Arrays"><e:Mood>Sad</e:Mood><e:Count>41</e:Count><e:Text>hi</e:Text><e:Extra><a:KeyValueOfstringstring><a:Key>10</a:Key><a:Value>x</a:Value></a:KeyValueOfstringstring><a:KeyValueOfstringstring><a:Key>2</a:Key><a:Value>y</a:Value></a:KeyValueOfstringstring></e:Extra></e:EchoRequest>')
  t.equal(answer.statusCode, 200)
  const response = readXml(answer.body, { maxDepth: 16 }).children[0]!.children[0]!
  t.same([response.name, response.ns], ['EchoResponse', 'urn:example:echo'])
  t.same(response.children.map((c) => [c.name, c.name === 'Extra' ? c.children.map((kv) => kv.children[0]!.text).join() : c.text]), [
    ['Text', 'HI'],
    ['Count', '42'],
    ['Loud', 'true'],
    ['Mood', 'Happy'],
    ['Extra', '10,2'],
  ])
  const missing = await call('<EchoRequest xmlns="urn:example:echo"><Text>no count</Text></EchoRequest>')
  t.equal(missing.statusCode, 500, 'a required member that is missing is a client fault')
  t.match(missing.body, /EchoRequest\/Count: is required but missing/)
  const badEnum = await call('<EchoRequest xmlns="urn:example:echo"><Count>1</Count><Mood>Angry</Mood></EchoRequest>')
  t.match(badEnum.body, /EchoRequest\/Mood: expected one of Happy, Sad, got &quot;Angry&quot;|EchoRequest\/Mood: expected one of Happy, Sad, got "Angry"/)
  const badInt = await call('<EchoRequest xmlns="urn:example:echo"><Count>forty</Count></EchoRequest>')
  t.match(badInt.body, /EchoRequest\/Count: expected a 32-bit integer/)

  const reversed = await call(
    '<ReverseRequest xmlns="urn:example:echo" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><Notes><Note><Text>first</Text><Mood>Happy</Mood></Note><Note i:nil="true"/><Note><Text/></Note></Notes></ReverseRequest>',
    'Reverse',
  )
  t.equal(reversed.statusCode, 200, reversed.body)
  const reverseResponse = readXml(reversed.body, { maxDepth: 16 }).children[0]!.children[0]!
  t.same([reverseResponse.name, reverseResponse.ns], ['ReverseResponse', 'urn:example:echo'])
  const [notes, count] = reverseResponse.children
  t.same(
    notes!.children.map((n) => [n.name, n.nil, n.children.map((c) => `${c.name}=${c.nil ? 'nil' : c.text}`)]),
    [
      ['Note', false, ['Text=']],
      ['Note', true, []],
      ['Note', false, ['Text=first', 'Mood=Happy']],
    ],
    'the notes come back reversed: an empty Text stays empty, a nil Note stays nil, an absent Mood is left out',
  )
  t.same([count!.name, count!.text], ['Count', '3'])
  const badNote = await call('<ReverseRequest xmlns="urn:example:echo"><Notes><Note><Mood>Angry</Mood></Note></Notes></ReverseRequest>', 'Reverse')
  t.equal(badNote.statusCode, 500, 'a bad value inside an array item is a client fault')
  t.match(badNote.body, /ReverseRequest\/Notes\[0\]\/Mood: expected one of Happy, Sad/)
})
