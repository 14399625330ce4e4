// The package as a third party uses it (issue #14): `npm pack` this project, install the tarball in a fresh project,
// copy the example connector there (it imports only from erp-connector-ws), start the installed server with plain
// node and CONNECTORS naming the connector's path, start the example ERP, and run the installed conformance kit, as
// the command and as the library, against it. The connector's JavaScript is also type-checked against the types the
// package ships.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import { PROJECT_ROOT } from '../src/server.js'
import { createTestDatabase } from './helpers/database.js'
import { commandOf } from './helpers/process.js'

// Packing builds the whole project (tsc) and the install fetches the dependencies: minutes on a loaded machine.
t.setTimeout(600_000)

const run = promisify(execFile)
const root = mkdtempSync(path.join(tmpdir(), 'erp-package-'))
t.teardown(() => rmSync(root, { recursive: true, force: true }))
/** What the children run with: the user's environment, without the test runner's loaders. */
const { NODE_OPTIONS: _loaders, ...userEnv } = process.env
const children: ChildProcess[] = []
type KitCounts = { passed: number; failed: number; failures: unknown[] }
t.teardown(() => children.forEach((child) => child.exitCode === null && child.kill('SIGTERM')))

/** Starts a long-running child and resolves with the first stdout line matching `ready`. */
function startChild(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}: ${stderr}`)))
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = ready.exec(line)
      if (match) resolve({ child, match })
    })
  })
}

t.test('a fresh project installs the packed tarball, serves its own connector module, and passes the conformance kit', async (t) => {
  // Pack a copy of the working tree (with this checkout's node_modules for the build), so that prepack's build does
  // not rewrite the dist/ other tests may be running.
  const source = path.join(root, 'source')
  const { stdout: files } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: PROJECT_ROOT, maxBuffer: 16 * 1024 * 1024 })
  for (const file of files.split('\0').filter(Boolean)) {
    mkdirSync(path.dirname(path.join(source, file)), { recursive: true })
    try {
      copyFileSync(path.join(PROJECT_ROOT, file), path.join(source, file))
    } catch (error) {
      // A file deleted but not yet committed is listed by git and gone: the package does not have it either.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }
  symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(source, 'node_modules'))
  const packed = await run('npm', ['pack', '--json', '--pack-destination', root], { cwd: source, env: userEnv, maxBuffer: 16 * 1024 * 1024 })
  const [tarball] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>
  const shipped = tarball!.files.map((f) => f.path)
  for (const needed of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/conformance/index.js', 'dist/src/main.js', 'dist/scripts/conformance.js', 'dist/scripts/migrate.js', 'dist/scripts/rotate-secret-key.js', 'dist/scripts/psql.js', 'dist/migrations/2026-11-27-001-connections.js', 'wsdl/ErpConnectorWS.wsdl', 'scripts/cli.mjs']) {
    t.ok(shipped.includes(needed), `the tarball ships ${needed}`)
  }
  t.notOk(shipped.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.endsWith('.ts') && !f.endsWith('.d.ts')), 'no TypeScript source or tests in the tarball')

  const project = path.join(root, 'project')
  mkdirSync(project)
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'acme-connector-host', private: true, type: 'module' }))
  await run('npm', ['install', path.join(root, tarball!.filename), '--no-audit', '--no-fund', '--prefer-offline'], { cwd: project, env: userEnv, timeout: 300_000 })
  t.notOk(existsSync(path.join(project, 'node_modules/tsx')), 'no TypeScript loader is installed with the package')
  cpSync(path.join(PROJECT_ROOT, 'examples/http-json-erp'), path.join(project, 'http-json-erp'), { recursive: true })

  const apiKey = randomBytes(16).toString('hex')
  const erp = await startChild(process.execPath, ['http-json-erp/erp-server.js'], { cwd: project, env: { ...userEnv, PORT: '0', API_KEY: apiKey } }, /listening on (http:[^\s"]+)/)
  const erpUrl = erp.match[1]!
  const database = await createTestDatabase()
  t.teardown(() => database.drop())
  const server = await startChild(
    process.execPath,
    ['node_modules/.bin/erp-connector-ws', 'start'],
    { cwd: project, env: { ...userEnv, PORT: '0', DATA_DIR: path.join(project, 'data'), DATABASE_URL: database.url, CONNECTORS: './http-json-erp/connector.js,excel' } },
    /give SuperOffice (http:[^\s"]+)/,
  )
  const endpoint = server.match[1]!
  const cli = (args: string[], env: NodeJS.ProcessEnv = userEnv) =>
    run(process.execPath, ['node_modules/.bin/erp-connector-ws', ...args], { cwd: project, env, timeout: 60_000 }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    )
  const usage = await cli([])
  t.equal(usage.code, 2, 'erp-connector-ws without a command: exit status 2')
  t.match(usage.stderr, /Usage: erp-connector-ws start[\s\S]*erp-connector-ws conformance <connector URL>[\s\S]*erp-connector-ws migrate[\s\S]*erp-connector-ws rotate-secret-key[\s\S]*erp-connector-ws psql/)
  writeFileSync(path.join(project, 'helpers.js'), 'export function createConnector() {}\n')
  const notAConnector = await cli(['start'], { ...userEnv, PORT: '0', DATA_DIR: path.join(project, 'data'), CONNECTORS: 'excel,./helpers.js' })
  t.equal(notAConnector.code, 2, 'the installed server refuses a module that is not a connector: exit status 2')
  t.match(notAConnector.stderr.trim(), /^Cannot start: CONNECTORS names "\.\/helpers\.js", which has no default export that builds a connector: [^\n]*\(see README, "Writing a connector"\)\.$/, 'on one line')
  t.equal(commandOf(server.child.pid!).trim(), `${process.execPath} node_modules/.bin/erp-connector-ws start`, 'the installed server runs on plain node, no TypeScript loader')

  const kit = (config: string[]) =>
    run('npx', ['--no-install', 'erp-connector-ws', 'conformance', endpoint, ...config.flatMap((c) => ['--config', c]), '--json', path.join(project, 'kit.json')], { cwd: project, env: userEnv, timeout: 120_000 }).then(
      (done) => ({ code: 0, stdout: done.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    )
  const passed = await kit([`BaseUrl=${erpUrl}`, `ApiKey=${apiKey}`])
  t.equal(passed.code, 0, 'npx erp-connector-ws conformance: exit status 0')
  t.match(passed.stdout, /\n\d+ passed, 0 failed/)
  const results = JSON.parse(readFileSync(path.join(project, 'kit.json'), 'utf8')) as { failed: number; results: Array<{ check: string; status: string }> }
  t.equal(results.failed, 0, 'no check failed')
  for (const flow of ['WSCreateActor: creates a Person under the Customer', 'WSSaveActors: LastModified moves on', 'WSSearchActorsAdvanced: ParentErpKey finds the person', 'WSGetActorsByTimestamp: nothing from the future', 'after WSDeleteConnection the GUID is unknown']) {
    t.equal(results.results.find((r) => r.check === flow)?.status, 'passed', `ran and passed: ${flow}`)
  }

  const refused = await kit([`BaseUrl=${erpUrl}`, 'ApiKey=not-the-key'])
  t.equal(refused.code, 1, 'with a wrong API key the kit fails: it reaches the ERP through the connector')
  t.match(refused.stdout, /The ERP refused the API key: check ApiKey in the connection settings/)

  // The kit as a library, from the installed package, on the second connector of CONNECTORS: the Excel connector,
  // whose workbook worker runs compiled too.
  const excelKit = `import { runConformance } from 'erp-connector-ws/conformance'
const report = await runConformance({ url: process.argv[1], config: new Map([['Filename', 'kit.xlsx']]), noWrites: false, timeoutMs: 30000, print: () => {} })
console.log(JSON.stringify({ passed: report.count('passed'), failed: report.count('failed'), failures: report.results.filter((r) => r.status === 'failed') }))`
  const excel = JSON.parse((await run(process.execPath, ['--input-type=module', '-e', excelKit, `${endpoint}?ConnectorName=Excel`], { cwd: project, env: userEnv })).stdout) as KitCounts
  t.equal(excel.failed, 0, 'the library kit passes the Excel connector, picked by ?ConnectorName=', { failures: excel.failures })
  t.ok(excel.passed > 50, `and ran its checks (${excel.passed} passed)`)
  t.ok(existsSync(path.join(project, 'data/workbooks/kit.xlsx')), 'the workbook is in DATA_DIR/workbooks')

  // startServer from the package, with the connector built by the program itself rather than named in CONNECTORS.
  const embedding = `import { startServer } from 'erp-connector-ws'
import { runConformance } from 'erp-connector-ws/conformance'
import createConnector from './http-json-erp/connector.js'
const env = { ...process.env, PORT: '0', LOG_LEVEL: 'warn' }
const server = await startServer({ env, connectors: [createConnector({ dataDir: env.DATA_DIR, env })] })
const config = new Map([['BaseUrl', process.argv[1]], ['ApiKey', process.argv[2]]])
const report = await runConformance({ url: server.urls[0], config, noWrites: false, timeoutMs: 30000, print: () => {} })
await server.close()
console.log(JSON.stringify({ passed: report.count('passed'), failed: report.count('failed'), failures: report.results.filter((r) => r.status === 'failed') }))`
  const embeddingRun = await run(process.execPath, ['--input-type=module', '-e', embedding, erpUrl, apiKey], { cwd: project, env: { ...userEnv, DATA_DIR: path.join(project, 'data2'), DATABASE_URL: database.url }, timeout: 120_000 })
  // The server's log lines (warnings) come first; the counts are the last line.
  const embedded = JSON.parse(embeddingRun.stdout.trim().split('\n').at(-1)!) as KitCounts
  t.equal(embedded.failed, 0, 'startServer with the example connector passes the kit, and closes (the process ends)', { failures: embedded.failures })
  t.ok(embedded.passed > 50, `and ran its checks (${embedded.passed} passed)`)

  // The operator's tools, as the installed command: migrate, psql and rotate-secret-key.
  const tool = (args: string[], env: NodeJS.ProcessEnv) =>
    run('npx', ['--no-install', 'erp-connector-ws', ...args], { cwd: project, env: { ...userEnv, ...env }, timeout: 120_000 }).then(
      (done) => ({ code: 0, stdout: done.stdout, stderr: done.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    )
  const migrated = await createTestDatabase()
  t.teardown(() => migrated.drop())
  const onMigrated = { DATABASE_URL: migrated.url, DATA_DIR: path.join(project, 'data-migrate') }
  const down = await tool(['migrate', '--down'], onMigrated)
  t.match(down, { code: 0, stdout: /^migrate: undid 2026-11-27-001-connections \(Success\)$/m }, 'npx erp-connector-ws migrate --down undoes the last migration')
  const up = await tool(['migrate'], onMigrated)
  t.match(up, { code: 0, stdout: /^migrate: applied 2026-11-27-001-connections \(Success\)$/m }, 'npx erp-connector-ws migrate applies it again')
  t.match(await tool(['migrate'], onMigrated), { code: 0, stdout: /^migrate: nothing to do \(postgres: / }, 'and then has nothing to do')
  const hasPsql = await run('psql', ['--version']).then(() => true, () => false)
  t.test('npx erp-connector-ws psql runs psql on the configured database', { skip: !hasPsql && 'psql is not installed' }, async (t) => {
    const table = await tool(['psql', '-At', '-c', "select count(*) from information_schema.tables where table_name = 'connections'"], onMigrated)
    t.match(table, { code: 0, stdout: /^1$/m }, 'the migrated table is there')
    const failing = await tool(['psql', '-c', 'select * from no_such_table'], onMigrated)
    t.equal(failing.code, 1, "psql's exit status is the command's")
    t.match(failing.stderr, /relation "no_such_table" does not exist/)
  })

  // The conformance runs above stored the example's ApiKey (a Password field) unsealed: no key was set.
  const onServed = { DATABASE_URL: database.url, DATA_DIR: path.join(project, 'data'), CONNECTORS: './http-json-erp/connector.js' }
  const noKey = await tool(['rotate-secret-key'], onServed)
  t.equal(noKey.code, 1, 'rotate-secret-key without CONNECTION_SECRET_KEY: exit status 1')
  t.match(noKey.stderr, /^rotate-secret-key: .*\n.*CONNECTION_SECRET_KEY is not set: set it to "NEW,OLD"/m)
  const key = randomBytes(32).toString('base64')
  const rotated = await tool(['rotate-secret-key'], { ...onServed, CONNECTION_SECRET_KEY: key })
  const counts = /^rotate-secret-key: (\d+) connection\(s\); 0 value\(s\) re-sealed, (\d+) sealed for the first time, with key /m.exec(rotated.stdout)
  t.ok(rotated.code === 0 && counts && Number(counts[2]) > 0, 'npx erp-connector-ws rotate-secret-key seals the stored API keys', rotated)
  const again = await tool(['rotate-secret-key'], { ...onServed, CONNECTION_SECRET_KEY: key })
  t.match(again, { code: 0, stdout: /0 value\(s\) re-sealed, 0 sealed for the first time/ }, 'run again with the same key, it seals nothing')
  if (hasPsql && counts) {
    const stored = await tool(['psql', '-At', '-c', 'select count(*) from connections'], onServed)
    t.equal(stored.stdout.trim(), counts[1], 'it went over every stored connection (counted by psql)')
    const plain = await tool(['psql', '-At', '-c', "select count(*) from connections where config ? 'ApiKey' and jsonb_typeof(config->'ApiKey') = 'string'"], onServed)
    t.equal(plain.stdout.trim(), '0', 'no API key is left unsealed')
  }

  // Every name README lists as the package's exports is exported, under that name (README, "What the package exports").
  const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8')
  const exportsText = /- \*\*What the package exports\*\*:([\s\S]*?)\n\n/.exec(readme)?.[1] ?? ''
  const [mainText = '', conformanceText = ''] = exportsText.split('`erp-connector-ws/conformance`')
  // The bullet also names members of what it lists: CallContext's `exclusive`, startServer's `env`.
  const MEMBERS = new Set(['exclusive', 'env'])
  const namesIn = (text: string) => [...new Set([...text.matchAll(/`([A-Za-z_]\w*)`/g)].map((m) => m[1]!).filter((name) => !MEMBERS.has(name)))]
  const listed = namesIn(mainText)
  const listedKit = namesIn(conformanceText)
  t.ok(listed.length > 10 && listedKit.includes('runConformance'), `README lists the exports (${listed.length} + ${listedKit.length})`)
  writeFileSync(
    path.join(project, 'exports.ts'),
    `export { ${listed.join(', ')} } from 'erp-connector-ws'\nexport { ${listedKit.join(', ')} } from 'erp-connector-ws/conformance'\n`,
  )

  // erp-connector-ws/encoding: the value encodings alone, loading no server module; the same functions as the main entry's.
  const moduleLog = path.join(project, 'modules.txt')
  const encodingOnly = `import { encodeDouble, parseDoubleValue } from 'erp-connector-ws/encoding'
console.log(encodeDouble(1.5), parseDoubleValue('[F:2.25]'))`
  const encoded = await run(process.execPath, ['--import', pathToFileURL(path.join(PROJECT_ROOT, 'test/fixtures/module-log.mjs')).href, '--input-type=module', '-e', encodingOnly], { cwd: project, env: { ...userEnv, MODULE_LOG: moduleLog } })
  t.equal(encoded.stdout, '[F:1.5] 2.25\n', 'erp-connector-ws/encoding encodes and parses')
  const loadedModules = readFileSync(moduleLog, 'utf8').split('\n').filter(Boolean)
  t.ok(loadedModules.some((url) => url.includes('/node_modules/erp-connector-ws/dist/src/encoding/')), 'the module log sees the encoding modules')
  t.same(loadedModules.filter((url) => url.includes('/node_modules/') && !url.includes('/node_modules/erp-connector-ws/dist/src/encoding/')), [], 'and nothing else of the package nor any dependency (no fastify, no pg)')
  const sameFunctions = `const encoding = await import('erp-connector-ws/encoding')
const main = await import('erp-connector-ws')
console.log(JSON.stringify({ names: Object.keys(encoding).length, different: Object.keys(encoding).filter((name) => main[name] !== encoding[name]) }))`
  const compared = JSON.parse((await run(process.execPath, ['--input-type=module', '-e', sameFunctions], { cwd: project, env: userEnv })).stdout) as { names: number; different: string[] }
  t.ok(compared.names > 10, `erp-connector-ws/encoding exports its values (${compared.names})`)
  t.same(compared.different, [], 'and the main entry exports each of them, the same value')

  // The example's JavaScript, and the import of README's names, type-check against the declarations the package ships.
  writeFileSync(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { allowJs: true, checkJs: true, noEmit: true, strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', skipLibCheck: true, typeRoots: [path.join(PROJECT_ROOT, 'node_modules/@types')], types: ['node'] },
      include: ['http-json-erp/connector.js', 'exports.ts'],
    }),
  )
  const typecheck = await run(process.execPath, [path.join(PROJECT_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: project }).then(
    () => '',
    (e: { stdout: string }) => e.stdout,
  )
  t.equal(typecheck, '', 'tsc finds no error in the example connector, typed by erp-connector-ws, nor in an import of every export README lists')

  server.child.kill('SIGTERM')
  erp.child.kill('SIGTERM')
})
