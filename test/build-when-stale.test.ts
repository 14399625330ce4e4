// The step before npm start: dist/ is built when a source is newer than it (or it is missing, or a compiled file
// has lost its source), left alone when current, built once when several processes ask at once, and never
// replaced by a failed build.
import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import tap from 'tap'
const t = tap
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

/** packageTree with this checkout's TypeScript reachable, so that it builds. */
function buildableTree(files: Record<string, string>, time?: Date): string {
  const root = packageTree(files, time)
  symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(root, 'node_modules'))
  return root
}

t.test('whyStale: not built, missing, left over, changed since the build, settings changed; current otherwise', async (t) => {
  const root = buildableTree({
    'src/main.ts': 'export const main = 1\n',
    'src/connectors/a.ts': 'export const a = 1\n',
    'src/types.d.ts': 'export {}\n',
    'migrations/001.ts': 'export const up = 1\n',
    'scripts/tool.mjs': '',
  })
  t.equal(whyStale(root), 'dist/ has not been built yet', 'never built')
  t.equal(await buildWhenStale(root, { log: () => {} }), 'built')
  t.equal(whyStale(root), undefined, 'just built: current (declaration files and .mjs are not sources)')

  const source = path.join(root, 'src/connectors/a.ts')
  writeFileSync(source, 'export const a = 2\n')
  t.equal(whyStale(root), 'src/connectors/a.ts has changed since dist/ was built', 'a source edited after the build')
  writeFileSync(source, 'export const a = 1\n')
  t.equal(whyStale(root), undefined, 'the same content again: current, whatever its file time')

  writeFileSync(path.join(root, 'tsconfig.json'), readFileSync(path.join(root, 'tsconfig.json'), 'utf8').replace('"strict":true', '"strict":false'))
  t.equal(whyStale(root), 'tsconfig.json has changed since dist/ was built', 'the compiler settings changed')
  t.equal(await buildWhenStale(root, { log: () => {} }), 'built')

  writeFileSync(path.join(root, 'dist/migrations/002.js'), '')
  t.equal(whyStale(root), 'dist/migrations/002.js has no source any more', 'a compiled migration whose source was removed would still run')
  rmSync(path.join(root, 'dist/migrations/002.js'))

  rmSync(path.join(root, 'dist/migrations/001.js'))
  t.equal(whyStale(root), 'dist/migrations/001.js (from migrations/001.ts) is missing', 'a compiled file removed')
  t.equal(await buildWhenStale(root, { log: () => {} }), 'built')

  rmSync(path.join(root, 'dist/.build-stamp'))
  t.equal(whyStale(root), 'dist/ has no record of what it was built from (dist/.build-stamp)', 'built by something else (tsc by hand, an earlier version)')

  const installed = packageTree({ 'dist/src/main.js': '' })
  t.equal(whyStale(installed), undefined, 'a package without its sources runs the dist/ it has')
})

t.test('a source dated in the future is built once, then current (review R5: it rebuilt on every start)', async (t) => {
  const root = buildableTree({ 'src/main.ts': 'export const answer: number = 42\n' })
  const nextYear = new Date(Date.now() + 365 * 24 * 3_600_000)
  at(root, 'src/main.ts', nextYear)
  t.equal(await buildWhenStale(root, { log: () => {} }), 'built')
  t.equal(whyStale(root), undefined, 'current after its build')
  t.equal(await buildWhenStale(root, { log: () => {} }), 'current', 'the next start does not build again')
  at(root, 'src/main.ts', new Date(0))
  t.equal(whyStale(root), undefined, 'nor does a file time moved back by a copy (cp -p, tar) with the same content')
})

t.test('scripts/bench* and scripts/codegen* (development tools, run by tsx) are neither built nor watched', async (t) => {
  // Each imports a package only development installs have: compiled, the build would fail.
  const devOnly = "import { tool } from 'only-installed-for-development'\nexport const uses = tool\n"
  const root = buildableTree({
    'src/main.ts': 'export const main = 1\n',
    'scripts/migrate.ts': 'export const migrate = 1\n',
    'scripts/bench.ts': devOnly,
    'scripts/bench/compare.ts': devOnly,
    'scripts/codegen.ts': devOnly,
    'scripts/codegen/emit.ts': devOnly,
  })
  t.equal(await buildWhenStale(root, { log: () => {} }), 'built')
  t.ok(existsSync(path.join(root, 'dist/scripts/migrate.js')), 'the other scripts are built')
  t.same(readdirSync(path.join(root, 'dist/scripts')).filter((name) => /bench|codegen/.test(name)), [], 'the development tools are not')
  for (const file of ['scripts/bench.ts', 'scripts/bench/compare.ts', 'scripts/codegen.ts', 'scripts/codegen/emit.ts']) {
    writeFileSync(path.join(root, file), `${devOnly}export const edited = true\n`)
  }
  t.equal(whyStale(root), undefined, 'editing them does not make dist/ stale')
  writeFileSync(path.join(root, 'scripts/migrate.ts'), 'export const migrate = 2\n')
  t.equal(whyStale(root), 'scripts/migrate.ts has changed since dist/ was built', 'editing another script does')
})

/** buildWhenStale in a process of its own, as npm start's prestart step and test files run it. */
function startBuild(root: string): { child: ChildProcess; result: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const script = `import { buildWhenStale } from ${JSON.stringify(BUILDER)}
console.log('RESULT ' + await buildWhenStale(${JSON.stringify(root)}, { log: (line) => console.log('LOG ' + line) }))`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script])
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return { child, result: new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr }))) }
}

const buildIn = (root: string) => startBuild(root).result

/** What the lock records of a process besides its pid: its start time, field 22 of /proc/<pid>/stat. */
function startTimeOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!
}

/** Waits for something another process does (no time limit here: tap's timeout ends a test that hangs). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20))
}

/** A process that stands for a lock holder still running: killed with -9 when the test says so, or at its end. */
function holderProcess(t: Pick<typeof tap, 'teardown'>): ChildProcess {
  const child = spawn('sleep', ['3600'], { stdio: 'ignore' })
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  return child
}

const distEntries = (root: string) => readdirSync(root).filter((name) => name.startsWith('dist')).sort()

t.test('buildWhenStale: three processes at once build once; then current; a failed build keeps the last good one', async (t) => {
  const root = buildableTree({ 'src/main.ts': 'export const answer: number = 42\n', 'src/more/other.ts': 'export const other = 1\n' })
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
  t.match(lines, [/src\/main\.ts has changed since dist\/ was built/])
  t.equal((await import(`${path.join(root, 'dist/src/main.js')}?again`)).answer, 42, 'the last good build is still there')
  t.same(readdirSync(root).filter((name) => name.startsWith('dist')), ['dist'], 'no lock or half-built folder left behind')
})

t.test('lock: a running holder is waited for; one killed with -9 is taken over; a killed waiter leaves nothing behind', async (t) => {
  const root = buildableTree({ 'src/main.ts': 'export const answer: number = 42\n' })
  const holder = holderProcess(t)
  mkdirSync(path.join(root, 'dist.lock'))
  writeFileSync(path.join(root, 'dist.lock', `${holder.pid}-${startTimeOf(holder.pid!)}-0000`), '')

  const killedWaiter = startBuild(root)
  await until(() => readdirSync(root).some((name) => name.startsWith(`dist.lock.${killedWaiter.child.pid}-`)))
  killedWaiter.child.kill('SIGKILL')
  t.equal((await killedWaiter.result).code, null, 'a waiter killed with -9 while the lock is held')
  t.ok(readdirSync(root).some((name) => name.startsWith(`dist.lock.${killedWaiter.child.pid}-`)), 'leaves its claim')

  const waiter = startBuild(root)
  await until(() => readdirSync(root).some((name) => name.startsWith(`dist.lock.${waiter.child.pid}-`)))
  t.notOk(existsSync(path.join(root, 'dist')), 'the next one waits: the holder still runs')
  holder.kill('SIGKILL')
  const run = await waiter.result
  t.equal(run.code, 0, run.stderr)
  t.match(run.stdout, /^RESULT built$/m, 'the holder killed, the waiter takes the lock over and builds')
  t.same(distEntries(root), ['dist'], "the killed waiter's claim and the lock are gone")
})

t.test('lock: a holder naming this process (a pid used again after a restart) or a pid with another start time is not waited for', async (t) => {
  const root = buildableTree({ 'src/main.ts': 'export const answer: number = 42\n' })
  const lock = path.join(root, 'dist.lock')
  const quiet = { log: () => {} }
  mkdirSync(lock)
  writeFileSync(path.join(lock, `${process.pid}-${startTimeOf(process.pid)}-0000`), '')
  t.equal(await buildWhenStale(root, quiet), 'built', "this process's own pid, in a lock it does not hold")
  t.same(distEntries(root), ['dist'])

  const other = holderProcess(t)
  mkdirSync(lock)
  writeFileSync(path.join(lock, `${other.pid}-1-0000`), '')
  writeFileSync(path.join(root, 'src/main.ts'), 'export const answer: number = 43\n')
  t.equal(await buildWhenStale(root, quiet), 'built', 'a running process with that pid, started at another time')
  t.same(distEntries(root), ['dist'])

  // What the earlier version of this script left: a file naming the pid, and its claim beside it.
  writeFileSync(lock, String(process.pid))
  writeFileSync(`${lock}.${process.pid}`, String(process.pid))
  writeFileSync(path.join(root, 'src/main.ts'), 'export const answer: number = 44\n')
  t.equal(await buildWhenStale(root, quiet), 'built', "the earlier version's lock file naming this pid")
  t.same(distEntries(root), ['dist'], 'and its claim are removed')
})

t.test('lock: many processes finding a killed build\'s lock at once: one builds, none fails (review R1)', async (t) => {
  const root = buildableTree({ 'src/main.ts': 'export const answer: number = 42\n' })
  // A pid no process has: the kernel's pid_max is at most 2^22.
  const deadPid = 2 ** 22 + 1
  for (const [round, leftLock] of [
    ['a lock folder', () => (mkdirSync(path.join(root, 'dist.lock')), writeFileSync(path.join(root, 'dist.lock', `${deadPid}-1-0000`), ''))],
    ["the earlier version's lock file", () => writeFileSync(path.join(root, 'dist.lock'), String(deadPid))],
  ] as const) {
    rmSync(path.join(root, 'dist'), { recursive: true, force: true })
    leftLock()
    const runs = await Promise.all(Array.from({ length: 6 }, () => buildIn(root)))
    t.same(runs.map((r) => r.code), [0, 0, 0, 0, 0, 0], `${round}: every process ends well ${runs.map((r) => r.stderr).join('')}`)
    t.equal(runs.filter((r) => /^RESULT built$/m.test(r.stdout)).length, 1, `${round}: one process built`)
    t.same(distEntries(root), ['dist'], `${round}: no lock left`)
  }
})

t.test('without TypeScript (npm ci --omit=dev): a current dist/ runs, a stale one is one line saying what to do', async (t) => {
  const root = buildableTree({ 'src/main.ts': 'export {}\n' })
  // Built by another process: this one's module resolution must never have found TypeScript there (it remembers).
  t.match((await buildIn(root)).stdout, /^RESULT built$/m)
  rmSync(path.join(root, 'node_modules'))
  t.equal(await buildWhenStale(root), 'current')
  writeFileSync(path.join(root, 'src/main.ts'), 'export const edited = true\n')
  await t.rejects(buildWhenStale(root), {
    message: /^dist\/ needs building \(src\/main\.ts has changed since dist\/ was built\), but TypeScript is not installed \(npm ci --omit=dev leaves it out\): run npm ci, then npm run build, then this command again\.$/,
  })
})

t.test('the command: npm run build (--always) builds a current dist/ too; any failure is one line, no stack trace', async (t) => {
  const root = buildableTree({ 'src/main.ts': 'export const answer: number = 42\n' })
  mkdirSync(path.join(root, 'scripts'))
  copyFileSync(BUILDER, path.join(root, 'scripts/build-when-stale.mjs'))
  const command = (...args: string[]) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['scripts/build-when-stale.mjs', ...args], { cwd: root })
      let stderr = ''
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      child.on('close', (code) => resolve({ code, stderr }))
    })
  t.same(await command(), { code: 0, stderr: 'Building dist/ with tsc (dist/ has not been built yet)…\n' }, 'stale: builds')
  t.same(await command(), { code: 0, stderr: '' }, 'current: nothing')
  t.same(await command('--always'), { code: 0, stderr: 'Building dist/ with tsc (npm run build)…\n' }, '--always: builds anyway')
  t.equal(whyStale(root), undefined, 'and records what it built from')

  writeFileSync(path.join(root, 'tsconfig.build.json'), '{ "include": [')
  const broken = await command()
  t.equal(broken.code, 1)
  t.match(broken.stderr, /^Could not build dist\/: .*JSON.*\n$/, 'a broken tsconfig.build.json: one line')
})

t.test('every npm script that runs dist/ checks it first, as README says of npm start, migrate, psql, rotate-secret-key, conformance', async (t) => {
  const { scripts } = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  t.equal(scripts.build, 'node scripts/build-when-stale.mjs --always', 'npm run build records what it built from, so that npm start finds it current')
  const compiled = Object.keys(scripts).filter((name) => /\bnode dist\//.test(scripts[name]!))
  t.same(compiled.sort(), ['conformance', 'migrate', 'psql', 'rotate-secret-key', 'start'])
  for (const name of compiled) {
    t.equal(scripts[`pre${name}`], 'node scripts/build-when-stale.mjs', `npm run ${name} builds dist/ first when it is stale`)
    t.match(scripts[name], /^exec node /, `npm run ${name}: node takes the shell's place, so that npm's SIGTERM reaches it`)
  }
})
