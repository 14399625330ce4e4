#!/usr/bin/env node
// `erp-connector-ws start` (the server, configured by the environment as for npm start) and
// `erp-connector-ws conformance <url> [options]` (the conformance kit): the package's command, running the compiled
// JavaScript in dist/ (the package ships it; in a checkout, `npm run build` makes it).
import { existsSync } from 'node:fs'

const ENTRY_POINTS = { start: '../dist/src/main.js', conformance: '../dist/scripts/conformance.js' }
const USAGE = `Usage: erp-connector-ws start                                 serve IErpConnectorWS (settings from the environment, see README)
       erp-connector-ws conformance <connector URL> [options]   test a connector endpoint (--help for the options)`

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
