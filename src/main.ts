/**
 * `npm start`: starts the server (src/start.ts) as the environment configures it, and serves until SIGTERM or
 * SIGINT. What stops the start is one line on standard error, with exit code 2 when a setting or the machine needs
 * fixing.
 */
import { ConfigError } from './config.js'
import { startServer, type StartedServer } from './start.js'
import { DatabaseStartError, StartupError } from './startup.js'

let server: StartedServer
try {
  server = await startServer()
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof StartupError || error instanceof DatabaseStartError)) throw error
  console.error(error.message)
  process.exit(error instanceof DatabaseStartError ? error.exitCode : 2)
}

let closing = false
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (closing) return
    closing = true
    server.app.log.info({ signal }, 'shutting down: finishing calls in progress')
    // A call that never ends must not keep the process from stopping.
    setTimeout(() => {
      server.app.log.error('calls still running after 15 s; stopping anyway')
      process.exit(1)
    }, 15_000).unref()
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.app.log.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  })
}
// SIGHUP's default is to end the process at once, without stopping the embedded database: it reloads the TLS
// certificate, or is logged.
process.on('SIGHUP', () => server.reload('SIGHUP'))
