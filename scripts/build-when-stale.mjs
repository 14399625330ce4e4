#!/usr/bin/env node
// Before `npm start` (and the other commands that run compiled code): builds dist/ with tsc when it is missing or
// a source has changed since it was built, and does nothing but read the sources when it is current.
// `--always` (npm run build) builds even then. Plain JavaScript, so that it runs where TypeScript is not installed
// (`npm ci --omit=dev` with a current dist/).
import { spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const BUILD_CONFIG = 'tsconfig.build.json'
/** Besides the sources, the compiler settings: a change to them changes the output too. */
const SETTINGS = ['tsconfig.json', BUILD_CONFIG]
const SOURCE = /(?<!\.d)\.([mc]?)ts$/
/** In the built folder: a hash of every source and setting as they were when the build started. */
const STAMP = '.build-stamp'
const LOCK_WAIT_MS = 10 * 60_000

export class BuildError extends Error {}

/** A tsconfig `exclude` pattern (`*`, `?`, `**` wildcards) as a test of a path relative to the package. */
function excludePattern(pattern) {
  let expression = ''
  const text = pattern.replace(/^\.\//, '').replace(/\/+$/, '')
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith('**/', i)) {
      expression += '(?:.*/)?'
      i += 2
    } else if (text[i] === '*') expression += '[^/]*'
    else if (text[i] === '?') expression += '[^/]'
    else expression += text[i].replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  // As tsc reads it: a pattern naming a folder leaves out everything in it.
  return new RegExp(`^${expression}(?:/|$)`)
}

/** What the build reads and writes: tsconfig.build.json's folders less its exclusions, and its outDir. */
function buildLayout(root) {
  const config = JSON.parse(readFileSync(path.join(root, BUILD_CONFIG), 'utf8'))
  const excluded = (config.exclude ?? []).map(excludePattern)
  return {
    include: config.include,
    isExcluded: (file) => excluded.some((pattern) => pattern.test(file.split(path.sep).join('/'))),
    outDir: config.compilerOptions.outDir,
  }
}

function filesUnder(root, folder, pattern) {
  const found = []
  let entries
  try {
    // Sorted, so that what is reported does not depend on the order the file system lists them in.
    entries = readdirSync(path.join(root, folder), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  } catch (error) {
    if (error.code === 'ENOENT') return found
    throw error
  }
  for (const entry of entries) {
    const relative = path.join(folder, entry.name)
    if (entry.isDirectory()) found.push(...filesUnder(root, relative, pattern))
    else if (pattern.test(entry.name)) found.push(relative)
  }
  return found
}

function sourcesOf(root, layout) {
  return layout.include.flatMap((folder) => filesUnder(root, folder, SOURCE)).filter((file) => !layout.isExcluded(file))
}

/**
 * Each source's and setting's content hash: what a build is recorded as having been made from. Contents, not file
 * times: a time in the future, or one a copy keeps or rounds (cp -p, tar, an image build), says nothing of a change.
 */
function fingerprint(root, sources) {
  const files = {}
  for (const file of [...sources, ...SETTINGS]) {
    let content
    try {
      content = readFileSync(path.join(root, file))
    } catch (error) {
      if (error.code === 'ENOENT') continue
      throw error
    }
    files[file] = createHash('sha256').update(content).digest('base64url')
  }
  return files
}

/**
 * Why dist/ must be built again, or undefined when it is current: every source has its compiled file, no compiled
 * file is left from a source removed or renamed, and every source and setting has the content it had when dist/ was
 * built (hashes recorded in dist/.build-stamp). A package without its sources (src/ not there) runs the dist/ it has.
 * @param {string} root the package's folder
 * @returns {string | undefined}
 */
export function whyStale(root) {
  const layout = buildLayout(root)
  const { include, outDir } = layout
  const sources = sourcesOf(root, layout)
  if (sources.length === 0) return undefined
  if (!existsSync(path.join(root, outDir))) return `${outDir}/ has not been built yet`
  const compiledFrom = new Map(sources.map((source) => [path.join(outDir, source.replace(SOURCE, '.$1js')), source]))
  for (const [compiled, source] of compiledFrom) {
    if (!existsSync(path.join(root, compiled))) return `${compiled} (from ${source}) is missing`
  }
  for (const compiled of include.flatMap((folder) => filesUnder(root, path.join(outDir, folder), /\.[mc]?js$/))) {
    if (!compiledFrom.has(compiled)) return `${compiled} has no source any more`
  }
  let built
  try {
    built = JSON.parse(readFileSync(path.join(root, outDir, STAMP), 'utf8')).files
  } catch {
    built = undefined
  }
  if (typeof built !== 'object' || built === null) return `${outDir}/ has no record of what it was built from (${outDir}/${STAMP})`
  const now = fingerprint(root, sources)
  for (const [file, hash] of Object.entries(now)) {
    if (!(file in built)) return `${file} is new since ${outDir}/ was built`
    if (built[file] !== hash) return `${file} has changed since ${outDir}/ was built`
  }
  for (const file of Object.keys(built)) {
    if (!(file in now)) return `${file} was removed since ${outDir}/ was built`
  }
  return undefined
}

/**
 * Who holds a lock, written into its name: `<pid>-<start>-<nonce>`, start being the process's start time (clock
 * ticks since boot, /proc/<pid>/stat), so that a pid used again by another process is not taken for the holder.
 */
function startTimeOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The fields after the command name (which may hold spaces), from the third on; the start time is the 22nd.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}

/** The identities this process holds or is claiming a lock with: any other naming this pid is stale. */
const ownIdentities = new Set()

function newIdentity() {
  const identity = `${process.pid}-${startTimeOf(process.pid) ?? 'unknown'}-${randomBytes(4).toString('hex')}`
  ownIdentities.add(identity)
  return identity
}

function isRunning(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return error.code === 'EPERM'
  }
}

/** Whether the process `identity` names still runs: not this process (unless it is one of ours), same start time. */
function isLive(identity) {
  const [pidText, start] = identity.split('-')
  const pid = Number(pidText)
  if (!(Number.isInteger(pid) && pid > 0)) return false
  if (pid === process.pid) return ownIdentities.has(identity)
  if (!isRunning(pid)) return false
  const current = startTimeOf(pid)
  return start === undefined || start === 'unknown' || current === undefined || current === start
}

const tolerating = (codes, action) => {
  try {
    action()
  } catch (error) {
    if (!codes.includes(error.code)) throw error
  }
}

/**
 * Holds `lock` while `work` runs. The lock is a folder holding one file named by its holder's identity; it is taken
 * by renaming a claim folder (made beside it, with that file already in) onto it, which the file system does only
 * when no holder is in it. A holder that ended without letting go (killed) is taken over by removing its file, which
 * removes nothing but that holder's: a lock taken meanwhile by another process has another name in it.
 */
async function withLock(lock, work) {
  const started = Date.now()
  const identity = newIdentity()
  const claim = `${lock}.${identity}`
  try {
    mkdirSync(claim)
    writeFileSync(path.join(claim, identity), '')
    for (;;) {
      try {
        renameSync(claim, lock)
        break
      } catch (error) {
        // Taken (ENOTEMPTY, or EEXIST on some systems), or a lock file left by an earlier version of this script.
        if (!['ENOTEMPTY', 'EEXIST', 'ENOTDIR'].includes(error.code)) throw error
      }
      let holders
      try {
        holders = readdirSync(lock)
      } catch (error) {
        if (error.code === 'ENOENT') continue
        if (error.code !== 'ENOTDIR') throw error
        // The earlier script's lock file names its holder's pid; this script never makes a file there, so removing
        // one cannot remove a lock of this script's (and unlink leaves a folder alone).
        let pid
        try {
          pid = Number(readFileSync(lock, 'utf8'))
        } catch (readError) {
          // Gone, or replaced by a lock folder meanwhile: look again.
          if (['ENOENT', 'EISDIR'].includes(readError.code)) continue
          throw readError
        }
        if (!(pid > 0 && pid !== process.pid && isRunning(pid))) {
          tolerating(['ENOENT', 'EISDIR', 'EPERM'], () => unlinkSync(lock))
          continue
        }
        holders = [String(pid)]
      }
      const stale = holders.filter((holder) => /^\d+-/.test(holder) && !isLive(holder))
      if (stale.length > 0) {
        for (const holder of stale) rmSync(path.join(lock, holder), { force: true })
        continue
      }
      if (holders.length === 0) continue
      if (Date.now() - started > LOCK_WAIT_MS) {
        throw new BuildError(`another build (process ${holders[0].split('-')[0]}, holding ${path.basename(lock)}) has not finished in ${LOCK_WAIT_MS / 60_000} minutes`)
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  } catch (error) {
    rmSync(claim, { recursive: true, force: true })
    ownIdentities.delete(identity)
    throw error
  }
  try {
    removeLeftClaims(lock)
    return await work()
  } finally {
    // Only this process's own file: if it is not there, the lock is not this process's to remove.
    rmSync(path.join(lock, identity), { force: true })
    // Empty now, unless another process has just taken it.
    tolerating(['ENOENT', 'ENOTEMPTY', 'EEXIST', 'ENOTDIR'], () => rmdirSync(lock))
    ownIdentities.delete(identity)
  }
}

/** Claims beside the lock left by processes killed while waiting (`dist.lock.<identity>`, or `.<pid>` of old). */
function removeLeftClaims(lock) {
  const folder = path.dirname(lock)
  const prefix = `${path.basename(lock)}.`
  for (const name of readdirSync(folder)) {
    if (name.startsWith(prefix) && !isLive(name.slice(prefix.length))) rmSync(path.join(folder, name), { recursive: true, force: true })
  }
}

function typescriptCompiler(root) {
  try {
    return createRequire(path.join(root, 'package.json')).resolve('typescript/bin/tsc')
  } catch {
    return undefined
  }
}

/**
 * Builds dist/ when {@link whyStale} says so (or always, with `always`): into a folder of its own, then put in place
 * of the old one, so that a failed or interrupted build leaves the last good dist/. Builds by several processes at
 * once (test files starting servers) take turns under a lock, and each looks again once it has the lock: one
 * builds, the others find it done.
 * @param {string} root the package's folder
 * @param {{ log?: (line: string) => void, always?: boolean }} [options]
 * @returns {Promise<'current' | 'built'>}
 */
export async function buildWhenStale(root, options = {}) {
  const log = options.log ?? ((line) => console.error(line))
  if (!options.always && whyStale(root) === undefined) return 'current'
  const layout = buildLayout(root)
  const { outDir } = layout
  const target = path.join(root, outDir)
  return withLock(`${target}.lock`, async () => {
    const reason = options.always ? 'npm run build' : whyStale(root)
    if (reason === undefined) return 'current'
    const tsc = typescriptCompiler(root)
    if (!tsc) {
      throw new BuildError(
        `${outDir}/ needs building (${reason}), but TypeScript is not installed (npm ci --omit=dev leaves it out): run npm ci, then npm run build, then this command again.`,
      )
    }
    for (const left of readdirSync(root).filter((name) => name.startsWith(`${outDir}.building-`) || name.startsWith(`${outDir}.old-`))) {
      rmSync(path.join(root, left), { recursive: true, force: true })
    }
    log(`Building ${outDir}/ with tsc (${reason})…`)
    const building = `${target}.building-${process.pid}`
    // Taken before tsc reads anything: a source saved during the build differs from it, and the next check builds.
    const builtFrom = fingerprint(root, sourcesOf(root, layout))
    const result = spawnSync(process.execPath, [tsc, '-p', BUILD_CONFIG, '--outDir', building], { cwd: root, stdio: ['ignore', 2, 2] })
    if (result.status !== 0) {
      rmSync(building, { recursive: true, force: true })
      throw new BuildError(`tsc could not build ${outDir}/ (its messages are above); ${existsSync(target) ? `the previous ${outDir}/ is left as it was` : 'nothing was built'}.`)
    }
    writeFileSync(path.join(building, STAMP), `${JSON.stringify({ files: builtFrom }, null, 1)}\n`)
    const old = `${target}.old-${process.pid}`
    if (existsSync(target)) renameSync(target, old)
    renameSync(building, target)
    rmSync(old, { recursive: true, force: true })
    return 'built'
  })
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  try {
    await buildWhenStale(root, { always: process.argv.includes('--always') })
  } catch (error) {
    // One line, whatever went wrong: what to do, not a stack trace.
    console.error(error instanceof BuildError ? error.message : `Could not build dist/: ${String(error?.message ?? error).split('\n')[0]}`)
    process.exit(1)
  }
}
