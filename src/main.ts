/**
 * `npm start`: starts the server (src/start.ts) as the environment configures it, and serves until SIGTERM or
 * SIGINT. What stops the start is one line on standard error, with exit code 2 when a setting or the machine needs
 * fixing. Connector code is third-party: a promise it leaves rejected is logged and the server serves on; an error
 * nothing catches is logged and the server stops cleanly (exit code 1), as the process may no longer be sound.
 */
import { ConfigError } from './config.js'
import { startServer, type StartedServer } from './start.js'
import { DatabaseStartError, StartupError } from './startup.js'

/** How long calls in progress may take to finish once the server is stopping. */
const SHUTDOWN_GRACE_MS = 15_000

let server: StartedServer | undefined
let closing = false

const describe = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).replace(/\s*\n\s*/g, ' ')

/** Finishes calls in progress, stops the connectors and the database, then exits with `exitCode`. */
function shutDown(running: StartedServer, exitCode: number): void {
  // An error nothing caught while a SIGTERM shutdown runs still makes the exit status say so.
  process.exitCode = Math.max(Number(process.exitCode ?? 0), exitCode)
  if (closing) return
  closing = true
  // A call that never ends must not keep the process from stopping.
  setTimeout(() => {
    running.app.log.error(`calls still running after ${SHUTDOWN_GRACE_MS / 1000} s; stopping anyway`)
    process.exit(1)
  }, SHUTDOWN_GRACE_MS).unref()
  running.close().then(
    () => process.exit(),
    (error: unknown) => {
      running.app.log.error({ err: error }, 'shutdown failed')
      process.exit(1)
    },
  )
}

// Set before the start, as connector modules run code while it builds them.
process.on('unhandledRejection', (reason) => {
  const message = 'a promise was rejected and nothing handled it (a bug, most likely in a connector): serving on'
  if (server) server.app.log.error({ err: reason }, message)
  else console.error(`${message}: ${describe(reason)}`)
})
process.on('uncaughtException', (error) => {
  if (!server) {
    // The embedded database, if it started, stops as the process exits (see embedded-cluster.ts).
    console.error(`Cannot start: an error nothing caught (a bug, most likely in a connector): ${describe(error)}`)
    process.exit(1)
  }
  server.app.log.fatal({ err: error }, 'an error nothing caught (a bug, most likely in a connector): stopping the server')
  shutDown(server, 1)
})

try {
  server = await startServer()
} catch (error) {
  const known = error instanceof ConfigError || error instanceof StartupError || error instanceof DatabaseStartError
  console.error(known ? error.message : `Cannot start: ${describe(error)}`)
  process.exit(error instanceof DatabaseStartError ? error.exitCode : known ? 2 : 1)
}

const running = server
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (!closing) running.app.log.info({ signal }, 'shutting down: finishing calls in progress')
    shutDown(running, 0)
  })
}
// SIGHUP's default is to end the process at once, without stopping the embedded database: it reloads the TLS
// certificate, or is logged.
process.on('SIGHUP', () => running.reload('SIGHUP'))
