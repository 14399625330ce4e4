// The step before npm start: dist/ is built when a source is newer than it (or it is missing, or a compiled file
// has lost its source), left alone when current, built once when several processes ask at once, and never
// replaced by a failed build.
import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { buildWhenStale, whyStale } from '../scripts/build-when-stale.mjs'
import { PROJECT_ROOT } from '../src/server.js'

const BUILDER = path.join(PROJECT_ROOT, 'scripts/build-when-stale.mjs')

/** A package with the project's tsconfig.build.json and `files` (relative path → content), all dated `time`. */
function packageTree(files: Record<string, string>, time = new Date(Date.now() - 3_600_000)): string {
  // Outside the project: its node_modules (TypeScript) must not be found from here unless linked in.
  const root = mkdtempSync(path.join(tmpdir(), 'erp-build-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  copyFileSync(path.join(PROJECT_ROOT, 'tsconfig.build.json'), path.join(root, 'tsconfig.build.json'))
  const settings = { compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: [] } }
  files = { 'tsconfig.json': JSON.stringify(settings), 'package.json': '{"type":"module"}', ...files }
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true })
    writeFileSync(path.join(root, file), content)
  }
  for (const file of [...Object.keys(files), 'tsconfig.build.json']) utimesSync(path.join(root, file), time, time)
  return root
}

const at = (root: string, file: string, time: Date) => utimesSync(path.join(root, file), time, time)

t.test('whyStale: missing, newer, settings changed, left over; current otherwise', async (t) => {
  const hourAgo = new Date(Date.now() - 3_600_000)
  const later = new Date(hourAgo.getTime() + 60_000)
  const root = packageTree({
    'src/main.ts': 'export {}',
    'src/connectors/a.ts': 'export {}',
    'src/types.d.ts': 'export {}',
    'migrations/001.ts': 'export {}',
    'scripts/tool.mjs': '',
  })
  t.equal(whyStale(root), 'dist/ has not been built yet', 'never built')
  mkdirSync(path.join(root, 'dist'))
  t.equal(whyStale(root), 'dist/src/connectors/a.js (from src/connectors/a.ts) is missing', 'a compiled file missing')

  for (const file of ['dist/src/main.js', 'dist/src/connectors/a.js', 'dist/migrations/001.js', 'dist/src/main.d.ts']) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true })
    writeFileSync(path.join(root, file), '')
    at(root, file, later)
  }
  t.equal(whyStale(root), undefined, 'every source compiled after it was saved: current (declaration files and .mjs are not sources)')

  const newer = new Date(later.getTime() + 1)
  at(root, 'src/connectors/a.ts', newer)
  t.equal(whyStale(root), 'src/connectors/a.ts is newer than dist/src/connectors/a.js', 'a source saved after the build')
  at(root, 'src/connectors/a.ts', later)
  t.equal(whyStale(root), undefined, 'a source as old as the build: current')

  at(root, 'tsconfig.json', newer)
  t.equal(whyStale(root), 'tsconfig.json is newer than dist/src/connectors/a.js', 'the compiler settings changed')
  at(root, 'tsconfig.json', hourAgo)

  writeFileSync(path.join(root, 'dist/migrations/002.js'), '')
  t.equal(whyStale(root), 'dist/migrations/002.js has no source any more', 'a compiled migration whose source was removed would still run')
  rmSync(path.join(root, 'dist/migrations/002.js'))

  rmSync(path.join(root, 'dist/migrations/001.js'))
  t.equal(whyStale(root), 'dist/migrations/001.js (from migrations/001.ts) is missing', 'a compiled file removed')

  const installed = packageTree({ 'dist/src/main.js': '' })
  t.equal(whyStale(installed), undefined, 'a package without its sources runs the dist/ it has')
})

/** buildWhenStale in a process of its own, as npm start's prestart step and test files run it. */
function buildIn(root: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `import { buildWhenStale } from ${JSON.stringify(BUILDER)}
console.log('RESULT ' + await buildWhenStale(${JSON.stringify(root)}, { log: (line) => console.log('LOG ' + line) }))`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script])
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

t.test('buildWhenStale: three processes at once build once; then current; a failed build keeps the last good one', async (t) => {
  const root = packageTree({ 'src/main.ts': 'export const answer: number = 42\n', 'src/more/other.ts': 'export const other = 1\n' })
  symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(root, 'node_modules'))
  const runs = await Promise.all([buildIn(root), buildIn(root), buildIn(root)])
  t.same(runs.map((r) => r.code), [0, 0, 0], runs.map((r) => r.stderr).join(''))
  t.equal(runs.filter((r) => /^RESULT built$/m.test(r.stdout)).length, 1, 'one process built')
  t.equal(runs.filter((r) => /^RESULT current$/m.test(r.stdout)).length, 2, 'the others found it built')
  t.match(runs.find((r) => /RESULT built/.test(r.stdout))!.stdout, /^LOG Building dist\/ with tsc \(dist\/ has not been built yet\)…$/m, 'it says why it builds')
  t.equal((await import(path.join(root, 'dist/src/main.js'))).answer, 42, 'the compiled module runs')
  t.ok(existsSync(path.join(root, 'dist/src/main.d.ts')), 'with its declarations')
  t.equal(whyStale(root), undefined)
  t.equal(await buildWhenStale(root), 'current', 'nothing to do the next time')

  writeFileSync(path.join(root, 'src/main.ts'), 'export const answer: number = "forty-two"\n')
  const lines: string[] = []
  await t.rejects(buildWhenStale(root, { log: (line) => lines.push(line) }), { message: /^tsc could not build dist\/ \(its messages are above\); the previous dist\/ is left as it was\.$/ })
  t.match(lines, [/src\/main\.ts is newer than/])
  t.equal((await import(`${path.join(root, 'dist/src/main.js')}?again`)).answer, 42, 'the last good build is still there')
  t.same(readdirSync(root).filter((name) => name.startsWith('dist')), ['dist'], 'no lock or half-built folder left behind')
})

t.test('without TypeScript (npm ci --omit=dev): a current dist/ runs, a stale one is one line saying what to do', async (t) => {
  const root = packageTree({ 'src/main.ts': 'export {}\n' })
  mkdirSync(path.join(root, 'dist/src'), { recursive: true })
  writeFileSync(path.join(root, 'dist/src/main.js'), '')
  t.equal(await buildWhenStale(root), 'current')
  at(root, 'src/main.ts', new Date(Date.now() + 60_000))
  await t.rejects(buildWhenStale(root), {
    message: /^dist\/ needs building \(src\/main\.ts is newer than dist\/src\/main\.js\), but TypeScript is not installed \(npm ci --omit=dev leaves it out\): run npm ci, then npm run build, then this command again\.$/,
  })
})

t.test('every npm script that runs dist/ checks it first, as README says of npm start, migrate, psql, rotate-secret-key, conformance', async (t) => {
  const { scripts } = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  const compiled = Object.keys(scripts).filter((name) => /\bnode dist\//.test(scripts[name]!))
  t.same(compiled.sort(), ['conformance', 'migrate', 'psql', 'rotate-secret-key', 'start'])
  for (const name of compiled) {
    t.equal(scripts[`pre${name}`], 'node scripts/build-when-stale.mjs', `npm run ${name} builds dist/ first when it is stale`)
    t.match(scripts[name], /^exec node /, `npm run ${name}: node takes the shell's place, so that npm's SIGTERM reaches it`)
  }
})
