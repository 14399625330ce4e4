#!/usr/bin/env node
// The package's command: `erp-connector-ws start` (the server, configured by the environment as for npm start),
// `conformance <url> [options]` (the conformance kit), and the operator's tools a checkout runs as npm run migrate,
// rotate-secret-key and psql. It runs the compiled JavaScript in dist/ (the package ships it; in a checkout,
// `npm run build` makes it).
import { existsSync } from 'node:fs'

const ENTRY_POINTS = {
  start: '../dist/src/main.js',
  conformance: '../dist/scripts/conformance.js',
  migrate: '../dist/scripts/migrate.js',
  'rotate-secret-key': '../dist/scripts/rotate-secret-key.js',
  psql: '../dist/scripts/psql.js',
}
const USAGE = `Usage: erp-connector-ws start                                 serve IErpConnectorWS (settings from the environment, see README)
       erp-connector-ws conformance <connector URL> [options]   test a connector endpoint (--help for the options)
       erp-connector-ws migrate [--down]                        apply the pending migrations (--down: undo the last one)
       erp-connector-ws rotate-secret-key                       re-seal stored passwords with the first key of CONNECTION_SECRET_KEY
       erp-connector-ws psql [psql arguments]                   psql on the server's database`

const [command, ...rest] = process.argv.slice(2)
const entry = Object.hasOwn(ENTRY_POINTS, command ?? '') ? new URL(ENTRY_POINTS[command], import.meta.url) : undefined
if (!entry) {
  console.error(command === undefined ? USAGE : `erp-connector-ws: unknown command "${command}"\n\n${USAGE}`)
  process.exit(2)
}
if (!existsSync(entry)) {
  console.error('erp-connector-ws: the compiled server is missing (dist/): in a checkout, run npm run build first.')
  process.exit(2)
}
// The entry points read their own arguments from process.argv.slice(2).
process.argv = [process.argv[0], command, ...rest]
await import(entry.href)
