#!/usr/bin/env node
// A tiny ERP with an HTTP JSON API, to try the example connector and to test it: customers and the persons under
// them, held in memory. Start: `node erp-server.js` (PORT, default 0 = any free port; API_KEY, when set, is required
// as `Authorization: Bearer <key>`). It prints one line, `http-json-erp listening on http://127.0.0.1:<port>`.
//
//   GET  /health                                       {"ok":true}
//   GET  /customers?ids=1,2&q=text&modifiedSince=ISO   the customers matching every filter given (q: in any text)
//   GET  /customers/:id                                one customer, or 404
//   POST /customers          {"name": "...", ...}      creates one: 201 with it, its id and lastModified set
//   PUT  /customers/:id      {"city": "..."}           changes the properties sent: 200 with the customer
//   the same for /persons, whose filters also take customerId=1
import { createServer } from 'node:http'
import { pathToFileURL } from 'node:url'

const PROPERTIES = {
  customers: { name: 'string', city: 'string', email: 'string', creditLimit: 'number' },
  persons: { customerId: 'string', firstName: 'string', lastName: 'string', email: 'string' },
}
const REQUIRED = { customers: 'name', persons: 'lastName' }
const MAX_BODY = 1024 * 1024

const tables = { customers: new Map(), persons: new Map() }
let nextId = 1
let lastStamp = ''

/** Increasing from one change to the next, even within a millisecond. */
function stamp() {
  let next = new Date().toISOString()
  if (next <= lastStamp) next = new Date(Date.parse(lastStamp) + 1).toISOString()
  return (lastStamp = next)
}

class HttpError extends Error {
  constructor(status, message) {
    super(message)
    this.status = status
  }
}

/** The properties of a request body, checked against the table's. */
function propertiesOf(table, body, creating) {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'send a JSON object')
  const properties = {}
  for (const [key, value] of Object.entries(body)) {
    const type = Object.hasOwn(PROPERTIES[table], key) ? PROPERTIES[table][key] : undefined
    if (!type) throw new HttpError(400, `unknown property ${key}: use ${Object.keys(PROPERTIES[table]).join(', ')}`)
    if (value !== null && typeof value !== type) throw new HttpError(400, `${key} must be a ${type} or null`)
    properties[key] = value
  }
  const required = REQUIRED[table]
  if ((creating || required in properties) && !properties[required]) throw new HttpError(400, `${required} is required`)
  if (table === 'persons' && properties.customerId && !tables.customers.has(properties.customerId)) {
    throw new HttpError(400, `there is no customer ${properties.customerId}`)
  }
  return properties
}

function matches(tableName, record, query) {
  const ids = query.get('ids')
  if (ids !== null && !ids.split(',').includes(record.id)) return false
  const since = query.get('modifiedSince')
  if (since !== null && !(Date.parse(record.lastModified) >= Date.parse(since))) return false
  const customerId = query.get('customerId')
  if (customerId !== null && record.customerId !== customerId) return false
  const text = query.get('q')?.toLowerCase()
  if (text && !Object.keys(PROPERTIES[tableName]).some((key) => typeof record[key] === 'string' && record[key].toLowerCase().includes(text))) return false
  return true
}

async function readJson(request) {
  let size = 0
  const chunks = []
  for await (const chunk of request) {
    size += chunk.length
    if (size > MAX_BODY) throw new HttpError(413, `the body is larger than ${MAX_BODY} bytes`)
    chunks.push(chunk)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new HttpError(400, 'the body is not JSON')
  }
}

async function handle(request, apiKey) {
  if (apiKey && request.headers.authorization !== `Bearer ${apiKey}`) throw new HttpError(401, 'send the API key as Authorization: Bearer <key>')
  const url = new URL(request.url ?? '/', 'http://erp')
  const [tableName, id, ...rest] = url.pathname.split('/').filter(Boolean)
  if (tableName === 'health' && id === undefined && request.method === 'GET') return [200, { ok: true }]
  if (!Object.hasOwn(tables, tableName ?? '') || rest.length > 0) throw new HttpError(404, `no such resource ${url.pathname}: use /customers or /persons`)
  const table = tables[tableName]
  if (id === undefined && request.method === 'GET') return [200, [...table.values()].filter((record) => matches(tableName, record, url.searchParams))]
  if (id === undefined && request.method === 'POST') {
    const record = { ...propertiesOf(tableName, await readJson(request), true), id: String(nextId++), lastModified: stamp() }
    table.set(record.id, record)
    return [201, record]
  }
  const record = id === undefined ? undefined : table.get(id)
  if (id !== undefined && !record) throw new HttpError(404, `there is no ${tableName.slice(0, -1)} ${id}`)
  if (record && request.method === 'GET') return [200, record]
  if (record && request.method === 'PUT') {
    Object.assign(record, propertiesOf(tableName, await readJson(request), false), { lastModified: stamp() })
    return [200, record]
  }
  throw new HttpError(405, `${request.method} is not allowed here`)
}

/** Starts the ERP; resolves with its URL and a function that stops it. */
export async function startErp({ port = 0, apiKey = '' } = {}) {
  const server = createServer((request, response) => {
    handle(request, apiKey).then(
      ([status, body]) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
      (error) => {
        const status = error instanceof HttpError ? error.status : 500
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: status === 500 ? 'internal error' : error.message }))
        if (status === 500) console.error(error)
      },
    )
  })
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((resolve) => server.close(resolve)) }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { url, close } = await startErp({ port: Number(process.env.PORT ?? 0), apiKey: process.env.API_KEY ?? '' })
  console.log(`http-json-erp listening on ${url}`)
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => close().then(() => process.exit(0)))
}
