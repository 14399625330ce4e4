// `npm start` as a person runs it: embedded database, one log line per call, the README's psql command, graceful
// stop on SIGTERM, the connection still there after a restart, and a clear refusal of bad configuration.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { networkInterfaces, tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import t from 'tap'
import { PROJECT_ROOT } from '../src/server.js'
import { body } from './helpers/erp.js'
import { ensureBuilt, SERVER_COMMAND, startServer, stopServer } from './helpers/process.js'
import { action, call, child, post, TNS } from './helpers/soap.js'

await ensureBuilt()
const dataDir = mkdtempSync(path.join(tmpdir(), 'erp-main-'))
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))

interface Running {
  process: ChildProcess
  endpoint: string
  lines: Array<Record<string, unknown>>
}

async function start(env: Record<string, string>, command = SERVER_COMMAND): Promise<Running> {
  const process_ = spawn(command[0]!, command.slice(1), { cwd: PROJECT_ROOT, env: { ...process.env, PORT: '0', DATA_DIR: dataDir, ...env } })
  const lines: Array<Record<string, unknown>> = []
  const endpoint = await new Promise<string>((resolve, reject) => {
    process_.on('exit', (code) => reject(new Error(`the server exited with ${code}`)))
    createInterface({ input: process_.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>
      lines.push(entry)
      const ready = /give SuperOffice (\S+)/.exec(String(entry.msg))
      if (ready) resolve(ready[1]!)
    })
  })
  return { process: process_, endpoint, lines }
}

function stop(running: Running): Promise<number | null> {
  return new Promise((resolve) => {
    running.process.on('exit', (code) => resolve(code))
    running.process.kill('SIGTERM')
  })
}

const guid = randomUUID()
const testConnection = `<RequestBase xmlns="${TNS}"><ConnectionGuid>${guid}</ConnectionGuid></RequestBase>`

t.test('first start: save an Excel connection, read it with the README psql command, stop cleanly', async (t) => {
  const running = await start({})
  t.match(running.endpoint, /^http:\/\/127\.0\.0\.1:\d+\/ErpConnectorWS\.svc$/)
  t.equal(running.lines.filter((l) => /CONNECTION_SECRET_KEY is not set/.test(String(l.msg))).length, 1, 'warns once about the missing key')
  const saved = await call(running.endpoint, 'WSSaveConnection', body.save(guid, [['Filename', 'ErpClient.xlsx']]))
  t.equal(child(saved, 'UserExplanation').text, 'Created ErpClient.xlsx from the template.', 'the Excel connector answers without ?ConnectorName=')
  t.ok(existsSync(path.join(dataDir, 'workbooks', 'ErpClient.xlsx')), 'the workbook is in DATA_DIR/workbooks')
  t.equal(child(await call(running.endpoint, 'WSTestConnection', testConnection), 'State').text, 'Ok')
  const memory = await call(`${running.endpoint}?ConnectorName=Memory`, 'WSGetConfigData', `<WSGetConfigData xmlns="${TNS}"/>`)
  t.equal(child(memory, 'UserExplanation').text, 'Connector plugin Memory not found; Excel have been loaded', 'the Memory demo is off by default')

  const rival = await promisify(execFile)(SERVER_COMMAND[0]!, SERVER_COMMAND.slice(1), { cwd: PROJECT_ROOT, env: { ...process.env, PORT: '0', DATA_DIR: dataDir } }).catch((e: { code: number; stderr: string }) => e)
  t.equal((rival as { code: number }).code, 1, 'a second server on the same embedded database is refused')
  t.match((rival as { stderr: string }).stderr, /is in use by process \d+/)
  await new Promise((resolve) => setTimeout(resolve, 200))
  const logged = running.lines.find((l) => l.operation === 'WSTestConnection')
  t.match(logged, { operation: 'WSTestConnection', connectionGuid: guid, state: 'Ok', durationMs: Number })

  const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8')
  const command = /^npm run psql -- -c "([^"]+)"$/m.exec(readme)
  t.ok(command, 'the README has the psql command')
  const { stdout } = await promisify(execFile)('npm', ['run', 'psql', '--', '-c', command![1]!], { cwd: PROJECT_ROOT, env: { ...process.env, DATA_DIR: dataDir }, timeout: 30_000 })
  t.match(stdout, guid)
  t.match(stdout, /Excel .*\| Ok /)

  // SIGHUP (a closed terminal, or a reload habit) must not end the server without stopping it properly.
  process.kill(running.process.pid!, 'SIGHUP')
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.equal(child(await call(running.endpoint, 'WSTestConnection', testConnection), 'State').text, 'Ok', 'SIGHUP without TLS: still serving')

  t.equal(await stop(running), 0, 'SIGTERM: exits 0 after finishing')
})

t.test('after a restart the connection is still known; with ACCESS_TOKENS, only under the token, which is never logged; CONNECTORS serves the Memory demo too; METRICS=token', async (t) => {
  const token = randomBytes(32).toString('hex')
  const running = await start({ ACCESS_TOKENS: `${randomBytes(32).toString('hex')},${token}`, CONNECTORS: 'excel,memory', METRICS: 'token' })
  t.teardown(() => stop(running))
  t.match(running.endpoint, /\/<ACCESS_TOKEN>\/ErpConnectorWS\.svc$/, 'the ready line shows where the token goes')
  const withToken = running.endpoint.replace('<ACCESS_TOKEN>', token)
  t.equal(child(await call(withToken, 'WSTestConnection', testConnection), 'State').text, 'Ok')
  const without = await post(running.endpoint.replace('/<ACCESS_TOKEN>', ''), testConnection, { soapaction: action('WSTestConnection') })
  t.equal(without.status, 404)
  t.notOk(JSON.stringify(running.lines).includes(token), 'the token is not in the log')
  const memory = await call(`${withToken}?ConnectorName=Memory`, 'WSGetConfigData', `<WSGetConfigData xmlns="${TNS}"/>`)
  t.equal(child(memory, 'State').text, 'Ok', 'the Memory demo answers when CONNECTORS names it')
  t.match(child(memory, 'FieldMetaDataObjects').children.map((f) => child(f, 'FieldKey').text), ['Dataset'])
  const origin = new URL(running.endpoint.replace('<ACCESS_TOKEN>', 'x')).origin
  t.equal((await fetch(`${origin}/metrics`)).status, 404, 'METRICS=token: no /metrics without the token')
  const metrics = await (await fetch(`${origin}/${token}/metrics`)).text()
  t.match(metrics, /^erp_soap_calls_total\{operation="WSTestConnection",state="Ok",error_code=""\} 1$/m, 'the call counted')
  t.match(metrics, /^erp_db_pool_connections\{pool="queries"\} [1-9]/m, 'the query pool, with its connections')
  t.match(metrics, /^erp_db_pool_connections\{pool="locks"\} [0-9]+$/m, 'the lock sessions pool')
  t.match(metrics, /^erp_workbook_cache_misses_total\{connector="Excel"\} [0-9]+$/m, 'the Excel connector\'s cache')
})

t.test('bad configuration: a clear message and exit code 2', async (t) => {
  const result = await promisify(execFile)(SERVER_COMMAND[0]!, SERVER_COMMAND.slice(1), { cwd: PROJECT_ROOT, env: { ...process.env, PORT: 'http', DATABASE_URL: 'mysql://x', ACCESS_TOKENS: 'letmein' } }).catch((e: { code: number; stderr: string }) => e)
  t.equal((result as { code: number }).code, 2)
  t.match((result as { stderr: string }).stderr, /PORT="http" is not valid[\s\S]*DATABASE_URL is not valid[\s\S]*ACCESS_TOKENS is not valid: token 1 is 7 characters long/)
  t.notMatch((result as { stderr: string }).stderr, /letmein/, 'the token is not repeated')
})

async function runToExit(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return promisify(execFile)(SERVER_COMMAND[0]!, SERVER_COMMAND.slice(1), { cwd: PROJECT_ROOT, env: { ...process.env, PORT: '0', DATA_DIR: dataDir, ...env }, timeout: 120_000 }).then(
    () => ({ code: 0, stderr: '' }),
    (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
  )
}

async function occupiedPort(): Promise<{ port: number; close: () => Promise<unknown> }> {
  // Connections (the embedded database's start-up probe) are closed at once, so that close() does not wait for them.
  const server = net.createServer((socket) => socket.destroy())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((resolve) => server.close(resolve)) }
}

t.test('start-up failures from the environment: one line saying what to do, exit code 2, nothing left running or locked', async (t) => {
  const lock = path.join(dataDir, 'pg.lock')
  const postmaster = path.join(dataDir, 'pg', 'postmaster.pid')
  const failsCleanly = (result: { code: number; stderr: string }, message: RegExp, what: string) => {
    t.equal(result.code, 2, `${what}: exit code 2`)
    t.match(result.stderr, message, `${what}: says what to do`)
    t.equal(result.stderr.trim().split('\n').length, 1, `${what}: one line, no stack trace`)
    t.notOk(existsSync(lock), `${what}: DATA_DIR/pg.lock is released`)
    t.notOk(existsSync(postmaster), `${what}: the embedded database has stopped`)
  }
  const taken = await occupiedPort()
  failsCleanly(await runToExit({ PORT: String(taken.port) }), new RegExp(`^Cannot start: PORT=${taken.port} on HOST=127\\.0\\.0\\.1 is in use by another program: stop that program, or set PORT to a free port\\.$`, 'm'), 'PORT in use')
  failsCleanly(await runToExit({ HOST: 'no-such-host.invalid' }), /^Cannot start: HOST=no-such-host\.invalid does not resolve to an address: set HOST to an address of this machine/m, 'HOST unknown')
  failsCleanly(await runToExit({ HOST: '203.0.113.7' }), /^Cannot start: HOST=203\.0\.113\.7 is not an address of this machine: set HOST to one of its addresses/m, 'HOST not of this machine')
  failsCleanly(await runToExit({ EMBEDDED_DB_PORT: String(taken.port) }), new RegExp(`EMBEDDED_DB_PORT=${taken.port} is in use by another program: choose another port`), 'EMBEDDED_DB_PORT in use')
  // As root, permissions do not stop writes: a DATA_DIR under a regular file cannot be created by anyone.
  const notAFolder = path.join(dataDir, 'not-a-folder')
  writeFileSync(notAFolder, '')
  failsCleanly(await runToExit({ DATA_DIR: path.join(notAFolder, 'data') }), /^Cannot start: DATA_DIR=\S+ cannot be written \(ENOTDIR\): set DATA_DIR to a folder this user can create and write\.$/m, 'DATA_DIR not writable')
  rmSync(notAFolder)
  await taken.close()

  // The next start, run as the README's systemd unit runs it, finds DATA_DIR free; on a wildcard HOST it shows
  // addresses a client can use.
  const execStart = /^ExecStart=\/usr\/bin\/node (.+)$/m.exec(readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8'))
  t.ok(execStart, 'the README has a systemd unit that runs node')
  const running = await start({ HOST: '0.0.0.0' }, [process.execPath, ...execStart![1]!.split(' ')])
  const external = Object.values(networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal).map((a) => a!.address)
  const shown = [...String(running.lines.find((l) => /IErpConnectorWS ready/.test(String(l.msg)))!.msg).matchAll(/https?:\/\/([^/:]+):\d+/g)].map((m) => m[1])
  t.same(shown, external.length > 0 ? external : ['127.0.0.1'], 'the ready line shows this machine\'s addresses, not 0.0.0.0')
  const port = new URL(running.endpoint).port
  t.equal(child(await call(`http://127.0.0.1:${port}/ErpConnectorWS.svc`, 'WSTestConnection', testConnection), 'State').text, 'Ok', 'it serves')
  t.equal(await stop(running), 0)
})

t.test('connector code that leaves a promise rejected: one error line in the log, and the server serves on; an error nothing catches: logged, then a clean stop, exit code 1', async (t) => {
  const project = mkdtempSync(path.join(tmpdir(), 'erp-main-connectors-'))
  t.teardown(() => rmSync(project, { recursive: true, force: true }))
  // Run as root, the embedded PostgreSQL runs as the user postgres, which must reach DATA_DIR inside.
  chmodSync(project, 0o711)
  const ownDataDir = path.join(project, 'data')
  // Slips seen in third-party code: a fire-and-forget refresh that fails, and a throw in a timer callback.
  writeFileSync(
    path.join(project, 'stray.mjs'),
    `export default () => ({
  name: 'Stray',
  async getConfigData() {
    Promise.reject(new Error('refresh of the price list failed'))
    return { UserExplanation: 'stray answered' }
  },
})
`,
  )
  writeFileSync(
    path.join(project, 'timer.mjs'),
    `export default () => ({
  name: 'Timer',
  async getConfigData() {
    setTimeout(() => { throw new Error('the retry timer threw') })
    return { UserExplanation: 'timer answered' }
  },
})
`,
  )
  const running = await startServer({ DATA_DIR: ownDataDir, CONNECTORS: './stray.mjs,./timer.mjs' }, [process.execPath, path.join(PROJECT_ROOT, 'dist/src/main.js')], project)
  t.teardown(() => stopServer(running))
  const exited = new Promise<number | null>((resolve) => running.process.once('exit', (code) => resolve(code)))
  const getConfigData = `<WSGetConfigData xmlns="${TNS}"/>`
  /** The first log line that matches, once written; undefined if the server ended without writing it. */
  const logged = async (match: (line: Record<string, unknown>) => boolean) => {
    while (!running.lines.some(match) && running.process.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 50))
    return running.lines.find(match)
  }

  t.equal(child(await call(running.endpoint, 'WSGetConfigData', getConfigData), 'UserExplanation').text, 'stray answered')
  const rejection = await logged((line) => /a promise was rejected and nothing handled it/.test(String(line.msg)))
  t.match(rejection, { level: 50, err: { message: 'refresh of the price list failed' } }, 'one structured error line')
  t.equal(running.process.exitCode, null, 'the server did not end')
  t.equal(running.lines.filter((line) => /a promise was rejected/.test(String(line.msg))).length, 1, 'once')
  t.equal(child(await call(running.endpoint, 'WSGetConfigData', getConfigData), 'UserExplanation').text, 'stray answered', 'still serving')
  t.equal((await fetch(`${running.origin}/healthz`)).status, 200)

  t.equal(child(await call(`${running.endpoint}?ConnectorName=Timer`, 'WSGetConfigData', getConfigData), 'UserExplanation').text, 'timer answered')
  t.equal(await exited, 1, 'exit code 1')
  t.match(running.lines.find((line) => line.level === 60), { err: { message: 'the retry timer threw' }, msg: /an error nothing caught .*: stopping the server/ }, 'logged as fatal')
  t.equal(running.stderr, '', 'nothing on standard error: no stack trace')
  t.notOk(existsSync(path.join(ownDataDir, 'pg', 'postmaster.pid')), 'the embedded database had stopped when the process ended')
  t.notOk(existsSync(path.join(ownDataDir, 'pg.lock')), 'DATA_DIR is released')
})
