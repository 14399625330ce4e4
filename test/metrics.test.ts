// GET /metrics over real HTTP: SOAP calls counted by operation, State and ErrorCode, faults by code, bytes both ways,
// the workbook cache and the database pools read at each scrape; off by default, and under the access token only
// when METRICS=token. Several servers in one process count apart.
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, utimesSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { createExcelConnector } from '../src/connectors/excel/connector.js'
import { createTestDatabase } from './helpers/database.js'
import { body } from './helpers/erp.js'
import { startTestServer } from './helpers/server.js'
import { action, call, child, envelope, get, post } from './helpers/soap.js'

const TOKEN = randomBytes(32).toString('hex')
const testDatabase = await createTestDatabase()
const workbooks = mkdtempSync(path.join(tmpdir(), 'erp-metrics-'))
const pools = { queries: testDatabase.database.queryPool }
const open = await startTestServer({ testDatabase, connectors: [createExcelConnector({ workbooksDir: workbooks })], metrics: { access: 'on', pools } })
const off = await startTestServer({ testDatabase })
const guarded = await startTestServer({ testDatabase, accessTokens: [TOKEN], metrics: { access: 'token' } })
t.teardown(async () => {
  await guarded.close()
  await off.close()
  await open.close()
  await testDatabase.drop()
  rmSync(workbooks, { recursive: true, force: true })
})


/** The value of one sample, e.g. sample(text, 'erp_soap_calls_total', { operation: 'WSTestConnection', ... }); 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',')
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!match || match[1] !== name) continue
    const have = (match[2] ?? '').split(/,(?=[a-z_]+=")/).filter((p) => p !== '').sort().join(',')
    if (have === wanted) return Number(match[3])
  }
  return 0
}

async function scrape(origin: string): Promise<string> {
  const answer = await get(`${origin}/metrics`)
  if (answer.status !== 200) throw new Error(`/metrics answered ${answer.status}`)
  return answer.text
}

t.test('SOAP calls by operation and result, faults by code, and the bytes both ways', async (t) => {
  const guid = randomUUID()
  await call(open.endpoint, 'WSSaveConnection', body.save(guid, [['Filename', 'Metrics.xlsx']]))
  let sentBytes = 0
  let answeredBytes = 0
  const testConnection = async (connection: string) => {
    const request = envelope(body.base(connection))
    const answer = await post(open.endpoint, request, { soapaction: action('WSTestConnection') })
    t.equal(answer.status, 200)
    sentBytes += Buffer.byteLength(request)
    answeredBytes += Buffer.byteLength(answer.text)
    return answer.text
  }
  for (let i = 0; i < 3; i++) t.match(await testConnection(guid), /<State>Ok<\/State>/)
  const unknown = await testConnection(randomUUID())
  const errorCode = /<ErrorCode>([^<]+)<\/ErrorCode>/.exec(unknown)?.[1]
  t.match(unknown, /<State>Error<\/State>/)
  t.ok(errorCode, 'an unknown connection is answered with an ErrorCode')
  const malformed = await post(open.endpoint, '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>', {
    soapaction: action('WSTestConnection'),
  })
  t.equal(malformed.status, 500)

  const text = await scrape(open.origin)
  const calls = (state: string, code = '') => sample(text, 'erp_soap_calls_total', { operation: 'WSTestConnection', state, error_code: code })
  t.equal(calls('Ok'), 3, 'three Ok calls')
  t.equal(calls('Error', errorCode), 1, 'one Error call, by its ErrorCode')
  t.equal(sample(text, 'erp_soap_calls_total', { operation: 'WSSaveConnection', state: 'OkWithInfo', error_code: '' }), 1, 'the save that created the workbook, with its info')
  t.equal(sample(text, 'erp_soap_faults_total', { code: 'SOAP_MALFORMED_XML' }), 1, 'the malformed request, as a fault and not a call')
  t.equal(sample(text, 'erp_soap_call_duration_seconds_count', { operation: 'WSTestConnection' }), 4)
  t.equal(sample(text, 'erp_soap_call_duration_seconds_bucket', { operation: 'WSTestConnection', le: '+Inf' }), 4)
  t.ok(sample(text, 'erp_soap_call_duration_seconds_sum', { operation: 'WSTestConnection' }) > 0)
  t.equal(sample(text, 'erp_soap_request_bytes_total', { operation: 'WSTestConnection' }), sentBytes, 'request bytes, exactly')
  t.equal(sample(text, 'erp_soap_response_bytes_total', { operation: 'WSTestConnection' }), answeredBytes, 'response bytes, exactly')
  t.ok(sample(text, 'nodejs_eventloop_lag_p99_seconds') > 0, 'event-loop delay (default metrics)')
  t.ok(sample(text, 'process_resident_memory_bytes') > 0, 'process memory (default metrics)')

  t.test('the workbook cache: hits, and a miss with its parse once the file changes', async (t) => {
    const read = async () => t.equal(child(await call(open.endpoint, 'WSGetActors', body.get(guid, 'Customer', ['1'], ['NAME'])), 'State').text, 'Ok')
    const counts = async () => {
      const text = await scrape(open.origin)
      const of = (name: string) => sample(text, name, { connector: 'Excel' })
      return { hits: of('erp_workbook_cache_hits_total'), misses: of('erp_workbook_cache_misses_total'), parses: of('erp_workbook_parses_total'), seconds: of('erp_workbook_parse_seconds_total') }
    }
    await read()
    const before = await counts()
    await read()
    const cached = await counts()
    t.ok(cached.hits > before.hits, `a repeated read is a hit (${before.hits} → ${cached.hits})`)
    t.same([cached.misses, cached.parses, cached.seconds], [before.misses, before.parses, before.seconds], 'and no parse')
    const later = new Date(Date.now() + 5000)
    utimesSync(path.join(workbooks, 'Metrics.xlsx'), later, later)
    await read()
    const changed = await counts()
    t.ok(changed.misses > cached.misses, 'a changed file is a miss')
    t.equal(changed.parses, cached.parses + 1, 'parsed once')
    t.ok(changed.seconds > cached.seconds, 'its parse time counted')
  })

  t.test('database pool gauges are read at each scrape', async (t) => {
    const pool = testDatabase.database.queryPool!
    const held = await Promise.all(Array.from({ length: pool.options.max }, () => pool.connect()))
    const waiting = pool.connect()
    const text = await scrape(open.origin)
    t.equal(sample(text, 'erp_db_pool_connections', { pool: 'queries' }), pool.options.max)
    t.equal(sample(text, 'erp_db_pool_idle_connections', { pool: 'queries' }), 0)
    t.equal(sample(text, 'erp_db_pool_waiting_requests', { pool: 'queries' }), 1, 'the one call waiting for a connection')
    for (const client of held) client.release()
    ;(await waiting).release()
    const after = await scrape(open.origin)
    t.equal(sample(after, 'erp_db_pool_waiting_requests', { pool: 'queries' }), 0)
    t.equal(sample(after, 'erp_db_pool_idle_connections', { pool: 'queries' }), pool.idleCount)
  })
})

t.test('in Prometheus text format', async (t) => {
  const answer = await get(`${open.origin}/metrics`)
  t.match(answer.type, /^text\/plain; version=0\.0\.4/)
  t.match(answer.text, /^# HELP erp_soap_calls_total /m)
  t.match(answer.text, /^# TYPE erp_soap_call_duration_seconds histogram$/m)
})

t.test('off (the default): /metrics is a 404, and calls are answered as before', async (t) => {
  t.equal((await get(`${off.origin}/metrics`)).status, 404)
  t.match((await post(off.endpoint, envelope(body.configData()), { soapaction: action('WSGetConfigData') })).text, /<State>Ok<\/State>/)
})

t.test('token: only at /<token>/metrics, and each server counts its own calls', async (t) => {
  t.equal((await get(`${guarded.origin}/metrics`)).status, 404, 'without the token')
  t.equal((await get(`${guarded.origin}/${TOKEN.replace(/.$/, (c) => (c === '0' ? '1' : '0'))}/metrics`)).status, 404, 'with a wrong token')
  await call(`${guarded.origin}/${TOKEN}/ErpConnectorWS.svc`, 'WSGetConfigData', body.configData())
  const answer = await get(`${guarded.origin}/${TOKEN}/metrics`)
  t.equal(answer.status, 200, 'with the token')
  t.equal(sample(answer.text, 'erp_soap_calls_total', { operation: 'WSGetConfigData', state: 'Ok', error_code: '' }), 1)
  t.equal(sample(answer.text, 'erp_soap_calls_total', { operation: 'WSTestConnection', state: 'Ok', error_code: '' }), 0, "not the other server's calls")
  t.equal(sample(await scrape(open.origin), 'erp_soap_calls_total', { operation: 'WSGetConfigData', state: 'Ok', error_code: '' }), 0, 'nor the other way round')
})
