/**
 * This server's SOAP stack against node-soap's, serving the same WSDL with the same handlers and data
 * (serve.ts), each in its own process; loaded in turn with autocannon, A B A B, after checking that both answer
 * every scenario with the same content.
 */
import { fork, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { readXml, type XmlElement } from '../../src/soap/xml.js'
import { actorsRequest, ARRAYS, bigActors, envelope, TNS } from './data.js'

export interface RunResult {
  requestsPerSecond: number
  p50: number
  p99: number
  peakRssMb: number
  /** The server process's CPU time (user + system) per request answered: what a request costs it, whatever the load generator could send. */
  cpuMicrosPerRequest: number
  errors: number
}

export interface StackComparison {
  scenario: string
  ours: RunResult[]
  nodeSoap: RunResult[]
  /** ours / node-soap for each A-B pair, and their median. */
  throughputRatios: number[]
  medianThroughputRatio: number
  medianP99Ratio: number
  medianRssRatio: number
  medianCpuPerRequestRatio: number
}

interface Server {
  process: ChildProcess
  url: string
  usage(): Promise<{ peakRss: number; cpuMicros: number }>
  resetUsage(): void
}

const here = path.dirname(fileURLToPath(import.meta.url))

async function start(which: 'ours' | 'node-soap'): Promise<Server> {
  const child = fork(path.join(here, 'serve.ts'), [which], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`${which} server exited with ${code}`)))
    child.on('message', (m: { type: string; port?: number }) => m.type === 'ready' && resolve(m.port!))
  })
  return {
    process: child,
    url: `http://127.0.0.1:${port}/ErpConnectorWS.svc`,
    resetUsage: () => child.send({ type: 'usage-reset' }),
    usage: () =>
      new Promise((resolve) => {
        const onMessage = (m: { type: string; peak?: number; cpuMicros?: number }) => {
          if (m.type !== 'usage') return
          child.off('message', onMessage)
          resolve({ peakRss: m.peak!, cpuMicros: m.cpuMicros! })
        }
        child.on('message', onMessage)
        child.send({ type: 'usage' })
      }),
  }
}

const strings = (items: string[]) => items.map((i) => `<a:string>${i}</a:string>`).join('')
const GUID = '3aef3af6-8642-4fc1-8dc9-4e08bd76a6bf'
const FIELDS = Array.from({ length: 10 }, (_, i) => `FIELD${i}`)

const SCENARIOS: Array<{ name: string; operation: string; body: string }> = [
  { name: 'WSTestConnection (small request, small response)', operation: 'WSTestConnection', body: `<RequestBase xmlns="${TNS}"><ConnectionGuid>${GUID}</ConnectionGuid></RequestBase>` },
  {
    name: 'WSGetActors, 1,000 actors x 10 fields (large response)',
    operation: 'WSGetActors',
    body: `<GetActorsRequest xmlns="${TNS}" xmlns:a="${ARRAYS}"><ConnectionGuid>${GUID}</ConnectionGuid><ActorType>Customer</ActorType><ErpKeys>${strings(Array.from({ length: 1000 }, (_, i) => String(i + 1)))}</ErpKeys><FieldKeys>${strings(FIELDS)}</FieldKeys></GetActorsRequest>`,
  },
  { name: 'WSSaveActors, 500 actors (large request)', operation: 'WSSaveActors', body: actorsRequest(bigActors(500, 10)) },
  {
    name: 'WSSearchActorsAdvanced, 3 restrictions over 10,000 actors',
    operation: 'WSSearchActorsAdvanced',
    body:
      `<SearchActorsAdvancedRequest xmlns="${TNS}" xmlns:a="${ARRAYS}"><ConnectionGuid>${GUID}</ConnectionGuid><ActorType>Customer</ActorType><Restrictions>` +
      [
        ['FIELD1', '=', ['oslo']],
        ['FIELD2', 'between', ['[I:100]', '[I:600]']],
        ['FIELD0', 'contains', ['1']],
      ]
        .map(([k, op, values]) => `<SearchRestrictionInfoWS><FieldKey>${k}</FieldKey><Operator>${op}</Operator><ScalarValue>${(values as string[])[0]}</ScalarValue><Values>${strings(values as string[])}</Values></SearchRestrictionInfoWS>`)
        .join('') +
      `</Restrictions><FieldKeys>${strings(FIELDS)}</FieldKeys></SearchActorsAdvancedRequest>`,
  },
]

async function callOnce(url: string, operation: string, body: string): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${TNS}/IErpConnectorWS/${operation}"` },
    body: envelope(body),
  })
  const text = await response.text()
  if (response.status !== 200) throw new Error(`${operation}: HTTP ${response.status}: ${text.slice(0, 300)}`)
  return text
}

/** What a response says, by local names only (node-soap's namespace mistakes aside). */
function content(text: string): unknown {
  const root = readXml(text, { maxDepth: 64 })
  const payload = root.children.find((c) => c.name === 'Body')!.children[0]!
  const named = (el: XmlElement, name: string) => el.children.find((c) => c.name === name)
  return {
    state: named(payload, 'State')?.text,
    actors: (named(payload, 'Actors')?.children ?? []).map((a) => ({
      key: named(a, 'ErpKey')?.text,
      lastModified: named(a, 'LastModified')?.text,
      values: (named(a, 'FieldValues')?.children ?? []).map((kv) => [named(kv, 'Key')?.text, named(kv, 'Value')?.text]),
    })),
  }
}

async function load(server: Server, scenario: (typeof SCENARIOS)[number], seconds: number): Promise<RunResult> {
  server.resetUsage()
  const result = await autocannon({
    url: server.url,
    method: 'POST',
    connections: 8,
    duration: seconds,
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${TNS}/IErpConnectorWS/${scenario.operation}"` },
    body: envelope(scenario.body),
  })
  const usage = await server.usage()
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    peakRssMb: usage.peakRss / 1024 / 1024,
    cpuMicrosPerRequest: usage.cpuMicros / Math.max(1, result.requests.total),
    errors: result.errors + result.non2xx + result.timeouts,
  }
}

const SETTLE_MS = 15_000

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

export async function compareWithNodeSoap(options: { quick: boolean; log: (line: string) => void }): Promise<StackComparison[]> {
  const ours = await start('ours')
  const nodeSoap = await start('node-soap')
  // Both settle before the first load: otherwise node-soap idles through ours' first run and starts settled while
  // ours starts with its start-up garbage still about, and V8 sizes the heap differently from those two states.
  options.log(`letting both servers settle for ${SETTLE_MS / 1000} s`)
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
  // Five pairs of 6 s: the machine's speed drifts by the second, and a median of five ratios is less at the mercy of
  // one slow moment than a median of three.
  const seconds = options.quick ? 3 : 6
  const pairs = options.quick ? 1 : 5
  const warmUpSeconds = options.quick ? 1 : 2
  const comparisons: StackComparison[] = []
  try {
    for (const scenario of SCENARIOS) {
      // Correctness first: a fast wrong answer must not win.
      const a = JSON.stringify(content(await callOnce(ours.url, scenario.operation, scenario.body)))
      const b = JSON.stringify(content(await callOnce(nodeSoap.url, scenario.operation, scenario.body)))
      if (a !== b) throw new Error(`${scenario.name}: the two servers answer differently:\n ours ${a.slice(0, 300)}\n node-soap ${b.slice(0, 300)}`)
      // Unmeasured: each server compiles its hot paths for this scenario's messages before the first measured run.
      await load(ours, scenario, warmUpSeconds)
      await load(nodeSoap, scenario, warmUpSeconds)
      const oursRuns: RunResult[] = []
      const theirRuns: RunResult[] = []
      for (let i = 0; i < pairs; i++) {
        oursRuns.push(await load(ours, scenario, seconds))
        theirRuns.push(await load(nodeSoap, scenario, seconds))
      }
      const ratios = oursRuns.map((r, i) => r.requestsPerSecond / theirRuns[i]!.requestsPerSecond)
      const comparison: StackComparison = {
        scenario: scenario.name,
        ours: oursRuns,
        nodeSoap: theirRuns,
        throughputRatios: ratios,
        medianThroughputRatio: median(ratios),
        medianP99Ratio: median(oursRuns.map((r, i) => r.p99 / Math.max(1, theirRuns[i]!.p99))),
        medianRssRatio: median(oursRuns.map((r, i) => r.peakRssMb / theirRuns[i]!.peakRssMb)),
        medianCpuPerRequestRatio: median(oursRuns.map((r, i) => r.cpuMicrosPerRequest / theirRuns[i]!.cpuMicrosPerRequest)),
      }
      comparisons.push(comparison)
      const show = (r: RunResult) => `${r.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${String(r.p50).padStart(4)} ms  p99 ${String(r.p99).padStart(4)} ms  RSS ${r.peakRssMb.toFixed(0)} MB  CPU ${r.cpuMicrosPerRequest.toFixed(0)} µs/request${r.errors ? `  ${r.errors} errors` : ''}`
      options.log(scenario.name)
      oursRuns.forEach((r, i) => {
        options.log(`  ours      ${show(r)}`)
        options.log(`  node-soap ${show(theirRuns[i]!)}   ratio ${ratios[i]!.toFixed(2)}x`)
      })
      options.log(`  median ratio ours/node-soap: throughput ${comparison.medianThroughputRatio.toFixed(2)}x, p99 ${comparison.medianP99Ratio.toFixed(2)}x, peak RSS ${comparison.medianRssRatio.toFixed(2)}x, server CPU per request ${comparison.medianCpuPerRequestRatio.toFixed(2)}x`)
    }
  } finally {
    ours.process.kill()
    nodeSoap.process.kill()
  }
  return comparisons
}
