// CONNECTORS naming connector modules: loaded by path (relative to the working directory) or package name, built by
// their default export; and every way a module can fail stopping `npm start` with one line and exit code 2, before
// the database starts.
import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import { loadConnectors } from '../../src/connectors/registry.js'
import { StartupError } from '../../src/startup.js'
import { PROJECT_ROOT } from '../../src/server.js'
import { asUser, ensureBuilt } from '../helpers/process.js'

const dir = mkdtempSync(path.join(tmpdir(), 'erp-connector-modules-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const dataDir = path.join(dir, 'data')

const METHODS = [
  'getConfigData', 'testConfigData', 'saveConnection', 'testConnection', 'deleteConnection', 'getSupportedActorTypes',
  'getSupportedActorTypeFields', 'getActors', 'getSearchableFields', 'searchActorsAdvanced', 'searchActors',
  'searchActorByParent', 'createActor', 'saveActors', 'getList', 'getListItems', 'getActorsByTimestamp',
]
/** A module whose default export builds a connector named `name` that answers getConfigData with what it was given. */
const connectorModule = (name: string, leaveOut: string[] = []) => `
export default async function createConnector(options) {
  const connector = { name: ${JSON.stringify(name)} }
  for (const method of ${JSON.stringify(METHODS.filter((m) => !leaveOut.includes(m)))}) connector[method] = async () => ({})
  connector.getConfigData = async () => ({ UserExplanation: JSON.stringify({ dataDir: options.dataDir, acme: options.env.ACME_URL }) })
  return connector
}`
const write = (file: string, text: string) => {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
  writeFileSync(path.join(dir, file), text)
}
write('package.json', JSON.stringify({ type: 'module' }))
write('acme.js', connectorModule('Acme'))
write('memory-twin.mjs', connectorModule('MEMORY'))
write('legacy.cjs', `module.exports = async function createConnector() {\n  const connector = { name: 'Legacy' }\n  for (const method of ${JSON.stringify(METHODS)}) connector[method] = async () => ({})\n  return connector\n}`)
write('no-default.js', `export function createConnector() { return {} }`)
write('not-a-function.js', `export default { name: 'Acme' }`)
write('returns-null.js', `export default () => null`)
write('nameless.js', connectorModule(''))
write('half-done.js', connectorModule('Half', ['getList', 'getListItems']))
write('not-functions.js', `export default () => ({ name: 'Odd', getConfigData: async () => ({}), getList: 'lists', getListItems: {} })`)
write('methodless.js', `export default () => ({ name: 'Empty', close: async () => {} })`)
write('throws.js', `export default () => { throw new Error('ACME_URL is not set') }`)
write('syntax-error.js', `export default function (\n  oops`)
// As `npm init -y` makes a project: "type": "commonjs", where a .js file with export does not parse.
write('cjs-project/package.json', JSON.stringify({ name: 'cjs-project', version: '1.0.0', main: 'index.js', type: 'commonjs' }))
write('cjs-project/acme-connector.js', connectorModule('Acme'))
// CommonJS that require()s an ES module Node cannot load that way (top-level await).
write('top-level-await.mjs', `export const ready = await Promise.resolve(true)`)
write('requires-esm.cjs', `const { ready } = require('./top-level-await.mjs')\nmodule.exports = () => ({ name: 'Legacy', getConfigData: async () => ({}) })`)
write('missing-dependency.js', `import 'acme-not-installed'\nexport default () => null`)
// An ES module connector whose dependency is an ES module its package.json declares CommonJS: the dependency is at fault.
write('node_modules/esm-in-cjs/package.json', JSON.stringify({ name: 'esm-in-cjs', version: '1.0.0', type: 'commonjs', main: 'index.js' }))
write('node_modules/esm-in-cjs/index.js', 'export default 1')
write('uses-broken-dependency.mjs', `import one from 'esm-in-cjs'\nexport default () => ({ name: 'Uses', getConfigData: async () => ({ one }) })`)
mkdirSync(path.join(dir, 'folder'))

t.test('a module by path, relative to the working directory: its default export builds the connector with DATA_DIR and the environment', async (t) => {
  const cwd = process.cwd()
  process.chdir(dir)
  t.teardown(() => process.chdir(cwd))
  const connectors = await loadConnectors({ dataDir: 'data', connectors: ['./acme.js', 'memory', path.join(dir, 'acme.js')] }).catch((e: unknown) => e)
  t.type(connectors, StartupError, 'the same connector twice is refused')
  t.match((connectors as Error).message, /^Cannot start: CONNECTORS lists two connectors named Acme \(\.\/acme\.js and \/.*\/acme\.js\)/)

  const loaded = await loadConnectors({ dataDir: 'data', connectors: ['./acme.js', 'memory', './legacy.cjs', './half-done.js'], env: { ACME_URL: 'http://erp' } })
  t.same(loaded.map((c) => c.name), ['Acme', 'Memory', 'Legacy', 'Half'], 'in the order listed; a CommonJS module.exports is the default export; methods may be left out')
  const ctx = { log: console, exclusive: <T>(_key: string, work: () => Promise<T>) => work() }
  t.same(JSON.parse((await loaded[0]!.getConfigData!(ctx, {})).UserExplanation!), { dataDir, acme: 'http://erp' }, 'options: DATA_DIR made absolute, and the environment')
})

/** Runs `code` (an ES module) with node in `cwd`, as a user's shell does (asUser); `argv` after it is process.argv[1…]. */
function runNode(cwd: string, code: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const [command, ...args] = asUser([process.execPath, '--input-type=module', '-e', code, ...argv])
  return promisify(execFile)(command!, args, { cwd, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  )
}
const LOAD = `const { loadConnectors } = await import(process.argv[1])
const connectors = await loadConnectors({ dataDir: 'data', connectors: process.argv.slice(2) })
console.log(connectors.map((c) => c.name).join(','))`

t.test('a module by package name, resolved as the server\'s own imports are: from the node_modules it is installed in', async (t) => {
  await ensureBuilt()
  // A project of its own, with erp-connector-ws installed in its node_modules (the compiled files, its dependencies
  // linked from this checkout) and the connector package next to it; this checkout's node_modules is left alone.
  const project = path.join(dir, 'package-project')
  const modules = path.join(project, 'node_modules')
  const installed = path.join(modules, 'erp-connector-ws')
  mkdirSync(installed, { recursive: true })
  for (const part of ['dist/src', 'dist/generated']) cpSync(path.join(PROJECT_ROOT, part), path.join(installed, part), { recursive: true })
  cpSync(path.join(PROJECT_ROOT, 'package.json'), path.join(installed, 'package.json'))
  for (const entry of readdirSync(path.join(PROJECT_ROOT, 'node_modules'))) {
    if (!entry.startsWith('.')) symlinkSync(path.join(PROJECT_ROOT, 'node_modules', entry), path.join(modules, entry))
  }
  const connectorPackage = path.join(modules, 'acme-erp-connector')
  mkdirSync(connectorPackage)
  writeFileSync(path.join(connectorPackage, 'package.json'), JSON.stringify({ name: 'acme-erp-connector', type: 'module', exports: './index.js' }))
  writeFileSync(path.join(connectorPackage, 'index.js'), connectorModule('AcmePackage'))

  const registry = pathToFileURL(path.join(installed, 'dist/src/connectors/registry.js')).href
  const loaded = await runNode(project, LOAD, registry, 'acme-erp-connector')
  t.equal(loaded.stdout.trim(), 'AcmePackage', loaded.stderr)
  const elsewhere = await runNode(project, LOAD, pathToFileURL(path.join(PROJECT_ROOT, 'dist/src/connectors/registry.js')).href, 'acme-erp-connector')
  t.match(elsewhere.stderr, /CONNECTORS names "acme-erp-connector", which is neither a connector this server ships/, 'a server installed elsewhere does not find it')
})

t.test('an ES module in a project without "type": the server loads it, and prints none of Node\'s lines about its module type', async (t) => {
  await ensureBuilt()
  const project = path.join(dir, 'typeless-project')
  mkdirSync(project)
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'typeless', version: '1.0.0' }))
  writeFileSync(path.join(project, 'acme-connector.js'), connectorModule('Acme'))
  const registry = pathToFileURL(path.join(PROJECT_ROOT, 'dist/src/connectors/registry.js')).href
  const loaded = await runNode(project, `${LOAD}\nprocess.emitWarning('a warning of something else')`, registry, './acme-connector.js')
  t.equal(loaded.stdout.trim(), 'Acme')
  t.notMatch(loaded.stderr, /MODULE_TYPELESS_PACKAGE_JSON|Module type of|Reparsing as ES module/, 'no module-type warning')
  t.match(loaded.stderr, /Warning: a warning of something else/, 'other warnings are printed as before')
})

/** The server as npm start runs it (compiled, as a user's shell runs it), in `dir`: relative module paths are resolved from there. */
async function start(connectors: string): Promise<{ code: number; stderr: string }> {
  await ensureBuilt()
  const [command, ...args] = asUser([process.execPath, path.join(PROJECT_ROOT, 'dist/src/main.js')])
  return promisify(execFile)(command!, args, { cwd: dir, env: { ...process.env, PORT: '0', DATA_DIR: dataDir, CONNECTORS: connectors }, timeout: 60_000 }).then(
    () => ({ code: 0, stderr: '' }),
    (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
  )
}

t.test('a connector module that does not load or build a connector: one line saying what to do, exit code 2, before the database starts', async (t) => {
  const rows: Array<[string, RegExp]> = [
    ['./nope.js', new RegExp(`^Cannot start: CONNECTORS names "\\./nope\\.js", and there is no file ${dir}/nope\\.js: give the path of a connector module, absolute or relative to the working directory ${dir}\\.$`)],
    ['./folder', /^Cannot start: CONNECTORS names "\.\/folder", which is a folder: give the path of the module file in it \(such as \.\/folder\/index\.js\)\.$/],
    ['exel', /^Cannot start: CONNECTORS names "exel", which is neither a connector this server ships \(excel, memory\) nor an installed package: install it next to erp-connector-ws \(npm install\), or give the path of a connector module\.$/],
    ['constructor', /^Cannot start: CONNECTORS names "constructor", which is neither a connector this server ships/],
    ['acme.js', /^Cannot start: CONNECTORS names "acme\.js", which is neither .* To load a file, start its path with \.\/ \(\.\/acme\.js\)\.$/],
    ['./syntax-error.js', /^Cannot start: CONNECTORS names "\.\/syntax-error\.js", whose module failed to load: SyntaxError: .*Fix the module, or remove it from CONNECTORS\.$/],
    ['./missing-dependency.js', /^Cannot start: CONNECTORS names "\.\/missing-dependency\.js", whose module failed to load: Error: Cannot find package 'acme-not-installed'/],
    [
      './cjs-project/acme-connector.js',
      /^Cannot start: CONNECTORS names "\.\/cjs-project\/acme-connector\.js", whose module failed to load: SyntaxError: Unexpected token 'export': Node read it as CommonJS, but it is an ES module \(import, export\): name the file \.mjs, or set "type": "module" in the package\.json of its project\.$/,
    ],
    [
      './uses-broken-dependency.mjs',
      /^Cannot start: CONNECTORS names "\.\/uses-broken-dependency\.mjs", whose module failed to load: SyntaxError: Unexpected token 'export': a module it imports, the package esm-in-cjs, is an ES module its package\.json declares CommonJS: fix or update that package, or import another version\.$/,
    ],
    ['./requires-esm.cjs', /^Cannot start: CONNECTORS names "\.\/requires-esm\.cjs", whose module failed to load: .*: CommonJS require\(\)s an ES module there: make the connector an ES module \(a \.mjs file, or "type": "module" in the package\.json of its project\) and import it\.$/],
    ['./no-default.js', /^Cannot start: CONNECTORS names "\.\/no-default\.js", which has no default export that builds a connector: export default function createConnector\(\{ dataDir, env \}\)/],
    ['./not-a-function.js', /which has no default export that builds a connector/],
    ['./throws.js', /^Cannot start: CONNECTORS names "\.\/throws\.js", whose default export failed to build the connector: Error: ACME_URL is not set\.$/],
    ['./returns-null.js', /^Cannot start: CONNECTORS names "\.\/returns-null\.js", whose default export built something that is not a connector: it returned null, not an object/],
    ['./nameless.js', /built something that is not a connector: it has no name \(a non-empty string, what \?ConnectorName= picks it by\)/],
    ['./not-functions.js', /built something that is not a connector: Odd has getList, getListItems that are not functions \(see README, "Writing a connector"\)\.$/],
    ['./methodless.js', /built something that is not a connector: Empty has none of the connector methods, such as getConfigData, testConnection or getActors \(see README/],
    ['excel,./memory-twin.mjs,memory', /^Cannot start: CONNECTORS lists two connectors named Memory \(\.\/memory-twin\.mjs and memory\)/],
  ]
  for (const [connectors, message] of rows) {
    const result = await start(connectors)
    t.equal(result.code, 2, `${connectors}: exit code 2`)
    t.match(result.stderr.trim(), message, `${connectors}: says what to do`)
    t.equal(result.stderr.trim().split('\n').length, 1, `${connectors}: one line, no stack trace`)
    t.notOk(existsSync(path.join(dataDir, 'pg')), `${connectors}: DATA_DIR/pg not created`)
  }
})
