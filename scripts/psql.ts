/**
 * `npm run psql [-- psql arguments]`: psql on the database the server uses: the PostgreSQL server in DATABASE_URL,
 * or the embedded one in DATA_DIR while the server runs. The password travels in the environment, not on the
 * command line. Uses the psql of the embedded PostgreSQL when it ships one, else the system's.
 */
import { spawn } from 'node:child_process'
import { ConfigError, loadConfig } from '../src/config.js'
import { bundledPsql, runningClusterUrl } from '../src/connections/embedded-cluster.js'

function fail(message: string, code: number): never {
  console.error(`psql: ${message}`)
  process.exit(code)
}

let target: URL
let dataDir: string
try {
  const config = loadConfig(process.env)
  dataDir = config.dataDir
  const url = config.databaseUrl ?? (await runningClusterUrl(config.dataDir))
  if (!url) fail(`the embedded database in ${config.dataDir} is not running: start the server (npm start), then run npm run psql again.`, 1)
  target = new URL(url)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  fail(error.message, 2)
}
const password = decodeURIComponent(target.password)
target.password = ''
const psql = (await bundledPsql().catch(() => undefined)) ?? 'psql'
const child = spawn(psql, [`--dbname=${target.toString()}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) },
})
// Ctrl-C belongs to psql (it cancels the running query); a termination is passed on.
process.on('SIGINT', () => undefined)
process.on('SIGTERM', () => child.kill('SIGTERM'))
child.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'ENOENT') fail(`psql is not installed: install PostgreSQL's client (Debian, Ubuntu: apt install postgresql-client), then run npm run psql again.`, 1)
  fail(`could not run ${psql} for the database in ${dataDir}: ${error.message}`, 1)
})
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
