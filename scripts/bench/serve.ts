/**
 * One server for the stack comparison, in a process of its own so that its memory can be measured alone:
 * `ours` (Fastify + the generated runtime) or `node-soap`, both serving wsdl/ErpConnectorWS.wsdl with handlers
 * that do the same work on the same data. It tells the parent its port, and when asked its peak RSS and the CPU
 * time it used since the last reset.
 */
import { readFileSync } from 'node:fs'
import http from 'node:http'
import type * as T from '../../generated/types.js'
import type { ErpConnectorWSOperations } from '../../generated/service.js'
import { compileRestriction } from '../../src/connectors/excel/search.js'
import type { SoapHandlers } from '../../src/soap/plugin.js'
import { bigActors } from './data.js'

// Each process loads only its own stack (imported where it starts), so that neither's memory includes the other's.
const which = process.argv[2]
const wsdl = readFileSync(new URL('../../wsdl/ErpConnectorWS.wsdl', import.meta.url), 'utf8')
const PATH = '/ErpConnectorWS.svc'
const OK = { State: 'Ok' as const, IsOk: true, UserExplanation: '', TechExplanation: '', ErrorCode: '' }

// The work both servers do, on plain data: look actors up, pick fields, search.
const data = bigActors(10_000, 10)
const byKey = new Map(data.map((a) => [a.ErpKey!, a]))
const pick = (actor: T.ErpActorWS, fields: string[]): T.ErpActorWS => ({
  ...actor,
  FieldValues: new Map(fields.filter((f) => actor.FieldValues!.has(f)).map((f) => [f, actor.FieldValues!.get(f)!])),
})
const getActors = (keys: string[], fields: string[]) => keys.flatMap((k) => (byKey.has(k) ? [pick(byKey.get(k)!, fields)] : []))
const TYPES: Record<string, 'Text' | 'Integer'> = { FIELD0: 'Text', FIELD1: 'Text', FIELD2: 'Integer' }
const search = (restrictions: Array<{ key: string; operator: string; values: string[] }>, fields: string[]) => {
  const tests = restrictions.map((r) => {
    const match = compileRestriction({ key: r.key, type: TYPES[r.key] ?? 'Text' }, r.operator, r.values)
    return (a: T.ErpActorWS) => match(a.FieldValues!.get(r.key) ?? null)
  })
  return data.filter((a) => tests.every((test) => test(a))).map((a) => pick(a, fields))
}
const saved = (actors: T.ErpActorWS[]) => actors.map((a) => ({ ...a, LastModified: '2026-11-27T12:00:00.000Z' }))

async function startOurs(): Promise<number> {
  const { default: Fastify } = await import('fastify')
  const { ErpConnectorWS } = await import('../../generated/service.js')
  const { soapPlugin } = await import('../../src/soap/plugin.js')
  const app = Fastify({ logger: false })
  const unused = async () => OK
  const handlers: SoapHandlers<ErpConnectorWSOperations> = {
      WSTestConnection: async () => OK,
      WSGetActors: async (r) => ({ ...OK, Actors: getActors((r.ErpKeys ?? []).filter((k): k is string => k !== null), (r.FieldKeys ?? []).filter((k): k is string => k !== null)) }),
      WSSaveActors: async (r) => ({ ...OK, Actors: saved((r.Actors ?? []).filter((a): a is T.ErpActorWS => a !== null)) }),
      WSSearchActorsAdvanced: async (r) => ({
        ...OK,
        Actors: search(
          (r.Restrictions ?? []).flatMap((x) => (x ? [{ key: x.FieldKey ?? '', operator: x.Operator ?? '', values: (x.Values ?? []).filter((v): v is string => v !== null) }] : [])),
          (r.FieldKeys ?? []).filter((k): k is string => k !== null),
        ),
      }),
      WSGetConfigData: unused,
      WSTestConfigData: unused,
      WSSaveConnection: unused,
      WSDeleteConnection: unused,
      WSGetSupportedActorTypes: unused,
      WSGetSupportedActorTypeFields: unused,
      WSGetSearchableFields: unused,
      WSSearchActors: unused,
      WSSearchActorByParent: unused,
      WSCreateActor: unused,
      WSGetList: unused,
      WSGetListItems: unused,
      WSGetActorsByTimestamp: unused,
  }
  await app.register(soapPlugin, { path: PATH, service: ErpConnectorWS, wsdl, bodyLimit: 64 * 1024 * 1024, handlers })
  await app.listen({ port: 0, host: '127.0.0.1' })
  return (app.server.address() as { port: number }).port
}

// node-soap's shapes: arrays as { item: [...] } (one item may come as an object), dictionaries as entry lists.
type Loose = Record<string, unknown>
const list = <V>(value: unknown, item: string): V[] => {
  const inner = (value as Loose | undefined)?.[item]
  return inner === undefined ? [] : Array.isArray(inner) ? (inner as V[]) : [inner as V]
}
const toNodeSoap = (a: T.ErpActorWS) => ({
  ActorType: a.ActorType,
  ErpKey: a.ErpKey,
  FieldValues: { KeyValueOfstringstring: [...a.FieldValues!].map(([Key, Value]) => ({ Key, Value })) },
  LastModified: a.LastModified,
  ParentActorType: a.ParentActorType,
  ParentErpKey: a.ParentErpKey,
})
const fromNodeSoap = (a: Loose): T.ErpActorWS => ({
  ActorType: a.ActorType as string,
  ErpKey: a.ErpKey as string,
  FieldValues: new Map(list<{ Key: string; Value: string }>(a.FieldValues, 'KeyValueOfstringstring').map((kv) => [String(kv.Key), String(kv.Value ?? '')])),
  LastModified: (a.LastModified as string) ?? '',
  ParentActorType: (a.ParentActorType as string) ?? 'Unknown',
  ParentErpKey: (a.ParentErpKey as string) ?? '',
})

async function startNodeSoap(): Promise<number> {
  const soap = await import('soap')
  const server = http.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  const actorsOut = (actors: T.ErpActorWS[]) => ({ ...OK, Actors: { ErpActorWS: actors.map(toNodeSoap) } })
  const listener = soap.listen(server, {
    path: PATH,
    xml: wsdl,
    services: {
      ErpConnectorWS: {
        BasicHttpBinding_IErpConnectorWS: {
          WSTestConnection: () => OK,
          WSGetActors: (r: Loose) => actorsOut(getActors(list<string>(r.ErpKeys, 'string'), list<string>(r.FieldKeys, 'string'))),
          WSSaveActors: (r: Loose) => actorsOut(saved(list<Loose>(r.Actors, 'ErpActorWS').map(fromNodeSoap))),
          WSSearchActorsAdvanced: (r: Loose) =>
            actorsOut(
              search(
                list<Loose>(r.Restrictions, 'SearchRestrictionInfoWS').map((x) => ({ key: String(x.FieldKey), operator: String(x.Operator), values: list<string>(x.Values, 'string') })),
                list<string>(r.FieldKeys, 'string'),
              ),
            ),
        },
      },
    },
  })
  listener.log = () => undefined
  return port
}

let peak = process.memoryUsage().rss
let cpuAtReset = process.cpuUsage()
setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20).unref()
process.on('message', (message: { type: string }) => {
  if (message.type === 'usage-reset') {
    peak = process.memoryUsage().rss
    cpuAtReset = process.cpuUsage()
  }
  if (message.type === 'usage') {
    const cpu = process.cpuUsage(cpuAtReset)
    process.send!({ type: 'usage', peak, cpuMicros: cpu.user + cpu.system })
  }
})
const port = which === 'ours' ? await startOurs() : await startNodeSoap()
process.send!({ type: 'ready', port })
