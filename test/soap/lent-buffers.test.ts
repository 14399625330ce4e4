// Large answers are sent from pooled buffers that go back to the pool once the socket has taken them. If one went
// back too early, the next answer would overwrite bytes still on their way: slow readers, many answers in flight
// and clients that hang up half-way must each still get exactly their own answer.
import { readFileSync } from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import Fastify from 'fastify'
import t from 'tap'
import { ErpConnectorWS, type ErpConnectorWSOperations } from '../../generated/service.js'
import type * as T from '../../generated/types.js'
import { PROJECT_ROOT } from '../../src/server.js'
import { soapPlugin, type SoapHandlers } from '../../src/soap/plugin.js'
import { action, envelope, TNS } from '../helpers/soap.js'

// About 6.5 MB per answer: more than a loopback socket's send buffer takes (4 MB at most here), so a reader that
// pauses keeps bytes in the server's hands; in an 8 MB buffer, two of which fit in the pool.
const ACTORS = 5400
const OK = { State: 'Ok' as const, IsOk: true, UserExplanation: '', TechExplanation: '', ErrorCode: '' }

function actorsFor(marker: string): T.ErpActorWS[] {
  return Array.from({ length: ACTORS }, (_, i) => ({
    ActorType: 'Customer',
    ErpKey: `${marker}-${i}`,
    FieldValues: new Map(Array.from({ length: 10 }, (_, f) => [`F${f}`, `${marker} value ${f} ø`] as [string, string])),
    LastModified: '',
    ParentActorType: 'Unknown',
    ParentErpKey: '',
  }))
}

const app = Fastify({ logger: false })
const handlers = Object.fromEntries(Object.keys(ErpConnectorWS.operations).map((name) => [name, async () => OK])) as unknown as SoapHandlers<ErpConnectorWSOperations>
handlers.WSGetActors = async (request) => ({ ...OK, Actors: actorsFor(request.ConnectionGuid ?? 'none') })
await app.register(soapPlugin, { path: '/svc', service: ErpConnectorWS, wsdl: readFileSync(path.join(PROJECT_ROOT, 'wsdl/ErpConnectorWS.wsdl'), 'utf8'), handlers })
await app.listen({ port: 0, host: '127.0.0.1' })
const port = (app.server.address() as { port: number }).port
t.teardown(() => app.close())

const body = (marker: string) => envelope(`<GetActorsRequest xmlns="${TNS}"><ConnectionGuid>${marker}</ConnectionGuid></GetActorsRequest>`)

/** Sends one call; waits `pauseMs` before reading the answer, or hangs up after the first chunk when `abort`. */
function call(marker: string, pauseMs: number, abort = false): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(body(marker))
    const request = http.request({ port, path: '/svc', method: 'POST', agent: false, headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: action('WSGetActors'), 'content-length': payload.length } })
    request.on('error', (error) => (abort ? resolve(undefined) : reject(error)))
    request.on('response', (response) => {
      response.pause()
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk)
        if (abort) {
          request.destroy()
          resolve(undefined)
        }
      })
      response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
      response.on('error', (error) => (abort ? resolve(undefined) : reject(error)))
      setTimeout(() => response.resume(), pauseMs)
    })
    request.end(payload)
  })
}

t.test('many large answers in flight, read slowly, some cut off: each intact and its own', async (t) => {
  for (let round = 0; round < 3; round++) {
    const calls = Array.from({ length: 8 }, (_, i) => {
      const marker = `r${round}c${i}`
      return { marker, abort: i % 4 === 3, answer: call(marker, 50 + ((i * 37) % 150), i % 4 === 3) }
    })
    for (const c of calls) {
      const text = await c.answer
      if (c.abort) continue
      t.ok(text && text.length > 4_500_000 && Buffer.byteLength(text) < 8 * 1024 * 1024, `${c.marker}: answered, ${text?.length} characters`)
      const keys = [...text!.matchAll(/<ErpKey>([^<]*)<\/ErpKey>/g)].map((m) => m[1])
      t.equal(keys.length, ACTORS, `${c.marker}: every actor arrived`)
      t.ok(keys.every((k, i) => k === `${c.marker}-${i}`), `${c.marker}: only its own actors, in order`)
      const others = text!.match(/r\dc\d+/g)!.filter((m) => m !== c.marker)
      t.same(others, [], `${c.marker}: no bytes of another answer`)
      t.ok(text!.endsWith('</s:Body></s:Envelope>'), `${c.marker}: the envelope is complete`)
    }
  }
})
