/**
 * GET /metrics in Prometheus' text format. Each server has a registry of its own, so that several servers in one
 * process (tests) count apart; what other parts already count (connector caches, database pools) is read at each
 * scrape rather than pushed.
 */
import type pg from 'pg'
import type { ErpConnector } from './connector/connector.js'
import type { SoapCallRecord } from './soap/plugin.js'

/** Where GET /metrics answers: nowhere, at /metrics, or only at /<token>/metrics (ACCESS_TOKENS must be set). */
export type MetricsAccess = 'off' | 'on' | 'token'
export const METRICS_ACCESS: readonly MetricsAccess[] = ['off', 'on', 'token']

export interface MetricsSources {
  connectors: readonly ErpConnector[]
  /** Connection pools by name, counted at each scrape. */
  pools?: Record<string, pg.Pool | undefined>
}

/** Seconds; SOAP calls run from about a millisecond (cached) to seconds (a large workbook's first parse). */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/**
 * @example
 * const metrics = await createMetrics({ connectors, pools: { queries: database.queryPool } })
 * await app.register(soapPlugin, { ..., onCall: metrics.onCall, onFault: metrics.onFault })
 * app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.text()))
 */
export async function createMetrics(sources: MetricsSources) {
  // Loaded only when METRICS is on: config.ts reads METRICS_ACCESS from this module on every start.
  const { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } = await import('prom-client')
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })

  const calls = new Counter({
    name: 'erp_soap_calls_total',
    help: 'SOAP calls answered, by operation, State and ErrorCode (empty when none)',
    labelNames: ['operation', 'state', 'error_code'] as const,
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'erp_soap_call_duration_seconds',
    help: 'Time from the request read to the answer written, by operation',
    labelNames: ['operation'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  })
  const requestBytes = new Counter({
    name: 'erp_soap_request_bytes_total',
    help: 'Request bodies of answered SOAP calls (decoded), by operation',
    labelNames: ['operation'] as const,
    registers: [registry],
  })
  const responseBytes = new Counter({
    name: 'erp_soap_response_bytes_total',
    help: 'Response bodies of answered SOAP calls, by operation',
    labelNames: ['operation'] as const,
    registers: [registry],
  })
  const faults = new Counter({
    name: 'erp_soap_faults_total',
    help: 'SOAP faults answered, by code (README, "Faults")',
    labelNames: ['code'] as const,
    registers: [registry],
  })

  const cacheCounter = (name: string, help: string, read: (stats: NonNullable<ReturnType<NonNullable<ErpConnector['cacheStats']>>>) => number) =>
    new Counter({
      name,
      help,
      labelNames: ['connector'] as const,
      registers: [registry],
      collect() {
        this.reset()
        for (const connector of sources.connectors) {
          const stats = connector.cacheStats?.()
          if (stats) this.inc({ connector: connector.name }, read(stats))
        }
      },
    })
  cacheCounter('erp_workbook_cache_hits_total', 'Workbook reads answered from the parsed copy kept in memory', (s) => s.hits)
  cacheCounter('erp_workbook_cache_misses_total', 'Workbook reads that needed the file read and parsed', (s) => s.misses)
  cacheCounter('erp_workbook_parses_total', 'Workbooks read and parsed (concurrent misses share one)', (s) => s.parses)
  cacheCounter('erp_workbook_parse_seconds_total', 'Time spent reading and parsing workbooks', (s) => s.parseSeconds)

  const poolGauge = (name: string, help: string, read: (pool: pg.Pool) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['pool'] as const,
      registers: [registry],
      collect() {
        this.reset()
        for (const [label, pool] of Object.entries(sources.pools ?? {})) if (pool) this.set({ pool: label }, read(pool))
      },
    })
  poolGauge('erp_db_pool_connections', 'Open connections to the connection database', (p) => p.totalCount)
  poolGauge('erp_db_pool_idle_connections', 'Open connections not in use', (p) => p.idleCount)
  poolGauge('erp_db_pool_waiting_requests', 'Calls waiting for a connection', (p) => p.waitingCount)

  return {
    contentType: registry.contentType,
    text: () => registry.metrics(),
    onCall(call: SoapCallRecord): void {
      const state = typeof call.fields?.state === 'string' ? call.fields.state : ''
      const errorCode = typeof call.fields?.errorCode === 'string' ? call.fields.errorCode : ''
      calls.inc({ operation: call.operation, state, error_code: errorCode })
      duration.observe({ operation: call.operation }, call.durationMs / 1000)
      requestBytes.inc({ operation: call.operation }, call.requestBytes)
      responseBytes.inc({ operation: call.operation }, call.responseBytes)
    },
    onFault(code: string): void {
      faults.inc({ code })
    },
  }
}

export type Metrics = ReturnType<typeof createMetrics>
