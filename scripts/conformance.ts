/**
 * `npm run conformance -- <url> [options]`: plays SuperOffice against an IErpConnectorWS endpoint and reports
 * what is wrong, check by check. Exit status 1 when any check fails, 2 for bad arguments.
 */
import { writeFileSync } from 'node:fs'
import { runConformance } from '../src/conformance/kit.js'

const USAGE = `Usage: npm run conformance -- <connector URL> [options]

  --config KEY=VALUE   a configuration value for WSTestConfigData/WSSaveConnection (repeat for more)
  --no-writes          read-only: create and save no actors (for a connector on a production ERP)
  --trace DIR          save every request and response to DIR
  --json FILE          write the results as JSON to FILE
  --timeout MS         give up on a call after MS milliseconds (default 60000)

Example: npm run conformance -- http://localhost:8080/ErpConnectorWS.svc --config Filename=kit.xlsx`

function fail(message: string): never {
  console.error(`conformance: ${message}\n\n${USAGE}`)
  process.exit(2)
}

const args = process.argv.slice(2)
let url: string | undefined
const config = new Map<string, string>()
let noWrites = false
let traceDir: string | undefined
let jsonFile: string | undefined
let timeoutMs = 60_000
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!
  const value = () => args[++i] ?? fail(`${arg} needs a value`)
  if (arg === '--help' || arg === '-h') {
    console.log(USAGE)
    process.exit(0)
  } else if (arg === '--config') {
    const pair = value()
    const at = pair.indexOf('=')
    if (at <= 0) fail(`--config takes KEY=VALUE, got "${pair}"`)
    config.set(pair.slice(0, at), pair.slice(at + 1))
  } else if (arg === '--no-writes') noWrites = true
  else if (arg === '--trace') traceDir = value()
  else if (arg === '--json') jsonFile = value()
  else if (arg === '--timeout') {
    timeoutMs = Number(value())
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) fail('--timeout takes a number of milliseconds')
  } else if (arg.startsWith('--')) fail(`unknown option ${arg}`)
  else if (url) fail(`one URL only (got ${url} and ${arg})`)
  else url = arg
}
if (!url) fail('give the connector URL')
try {
  const parsed = new URL(url)
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error()
} catch {
  fail(`"${url}" is not an http(s) URL`)
}

console.log(`Conformance of ${url}${noWrites ? ' (read-only)' : ''}`)
const report = await runConformance({ url, config, noWrites, traceDir, timeoutMs, print: (line) => console.log(line) })
if (jsonFile) writeFileSync(jsonFile, JSON.stringify({ url, results: report.results, passed: report.count('passed'), failed: report.count('failed'), skipped: report.count('skipped') }, null, 2))
if (traceDir) console.log(`\nexchanges saved in ${traceDir}`)
console.log(`\n${report.summary()}`)
process.exit(report.count('failed') > 0 ? 1 : 0)
