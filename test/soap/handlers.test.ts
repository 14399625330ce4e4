// Every way a handler can answer, through the plugin over HTTP: a value or a promise of one, a synchronous throw or
// a rejection, or a response the writer refuses; each with and without an errorResponse option. The plugin calls
// handlers without wrapping them in promises of its own, so the plain and the promised forms take different paths.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import Fastify from 'fastify'
import t from 'tap'
import { ErpConnectorWS, type ErpConnectorWSOperations } from '../../generated/service.js'
import type * as T from '../../generated/types.js'
import { PROJECT_ROOT } from '../../src/server.js'
import { soapPlugin, type SoapHandlers, type SoapPluginOptions } from '../../src/soap/plugin.js'
import { action, child, envelope, fault, payload, post, TNS } from '../helpers/soap.js'

const wsdl = readFileSync(path.join(PROJECT_ROOT, 'wsdl/ErpConnectorWS.wsdl'), 'utf8')
const OK: T.ConnectorResultBase = { State: 'Ok', IsOk: true, UserExplanation: 'fine', TechExplanation: '', ErrorCode: '' }
/** A response the writer refuses: U+0001 cannot be carried by XML 1.0. */
const UNWRITABLE: T.ConnectorResultBase = { ...OK, UserExplanation: 'bad \u0001 character' }
const FALLBACK: T.ConnectorResultBase = { State: 'Error', IsOk: false, UserExplanation: 'recovered', TechExplanation: '', ErrorCode: 'EX' }

type Handler = () => unknown
const HANDLERS: Array<{ name: string; handler: Handler; fails: boolean }> = [
  { name: 'returns a value', handler: () => OK, fails: false },
  { name: 'returns a promise', handler: async () => OK, fails: false },
  {
    name: 'throws synchronously',
    handler: () => {
      throw new Error('sync failure')
    },
    fails: true,
  },
  { name: 'rejects', handler: async () => Promise.reject(new Error('async failure')), fails: true },
  { name: 'returns a value the writer refuses', handler: () => UNWRITABLE, fails: true },
  { name: 'resolves to a value the writer refuses', handler: async () => UNWRITABLE, fails: true },
]
const RECOVERIES = [
  { name: 'no errorResponse', errorResponse: undefined },
  { name: 'errorResponse answers', errorResponse: () => FALLBACK },
  { name: 'errorResponse declines', errorResponse: () => undefined },
  { name: 'errorResponse answers with a value the writer refuses', errorResponse: () => UNWRITABLE },
]

async function serve(handler: Handler, errorResponse: (() => unknown) | undefined, seen: unknown[]) {
  const app = Fastify({ logger: false })
  const handlers = Object.fromEntries(Object.keys(ErpConnectorWS.operations).map((name) => [name, async () => OK])) as unknown as SoapHandlers<ErpConnectorWSOperations>
  handlers.WSTestConnection = handler as SoapHandlers<ErpConnectorWSOperations>['WSTestConnection']
  const options: SoapPluginOptions<ErpConnectorWSOperations> = {
    path: '/svc',
    service: ErpConnectorWS,
    wsdl,
    handlers,
    errorResponse: errorResponse && ((_operation: unknown, error: unknown) => (seen.push(error), errorResponse() as never)),
    logFields: (_operation: string, _request: unknown, response: unknown) => (seen.push(response), {}),
  }
  await app.register(soapPlugin, options)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, endpoint: `http://127.0.0.1:${(app.server.address() as { port: number }).port}/svc` }
}

const body = envelope(`<RequestBase xmlns="${TNS}"><ConnectionGuid>g</ConnectionGuid></RequestBase>`)

for (const { name, handler, fails } of HANDLERS) {
  for (const recovery of RECOVERIES) {
    t.test(`a handler that ${name}, ${recovery.name}`, async (t) => {
      const seen: unknown[] = []
      const { app, endpoint } = await serve(handler, recovery.errorResponse, seen)
      t.teardown(() => app.close())
      const answer = await post(endpoint, body, { soapaction: action('WSTestConnection') })
      const recovered = fails && recovery.name === 'errorResponse answers'
      if (!fails || recovered) {
        t.equal(answer.status, 200)
        const wrapper = payload(answer.text)
        t.equal(wrapper.name, 'ConnectorResultBase')
        t.equal(child(wrapper, 'UserExplanation').text, recovered ? 'recovered' : 'fine')
        t.same(seen.at(-1), recovered ? FALLBACK : OK, 'the response logged is the one sent')
        if (recovered) t.type(seen[0], Error, 'errorResponse saw the error')
      } else {
        t.equal(answer.status, 500)
        const { faultcode, faultstring } = fault(answer.text)
        t.equal(faultcode, 's:Server')
        t.match(faultstring, /^The server could not process the request \((Error|XmlWriteError)\)\. The error is logged with request id req-/)
        t.equal(seen.filter((s) => s === OK || s === FALLBACK || s === UNWRITABLE).length, 0, 'nothing was logged as answered')
      }
      // The next call on the same server still works.
      const again = await post(endpoint, body, { soapaction: action('WSTestConnection') })
      t.equal(again.status, answer.status, 'the next call is answered alike')
    })
  }
}
