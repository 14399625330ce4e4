/**
 * `npm run conformance -- <url> [options]`: plays SuperOffice against an IErpConnectorWS endpoint and reports
 * what is wrong, check by check. Exit status 1 when any check fails, 2 for bad arguments.
 */
import { writeFileSync } from 'node:fs'
import { readFileSync } from 'node:fs'
import type { KeyObject } from 'node:crypto'
import { runConformance } from '../src/conformance/kit.js'
import { parsePrivateKey, parsePublicKey } from '../src/online/keys.js'

const USAGE = `Usage: npm run conformance -- <connector URL> [options]

  --config KEY=VALUE   a configuration value for WSTestConfigData/WSSaveConnection (repeat for more)
  --no-writes          read-only: create and save no actors (for a connector on a production ERP)
  --trace DIR          save every request and response to DIR
  --json FILE          write the results as JSON to FILE
  --timeout MS         give up on a call after MS milliseconds (default 60000)

CRM Online (plays SuperOffice's authorization service against Authenticate first):
  --online-key FILE    private key to sign SignedTokens with (PEM or RSA XML); the server must trust its
                       public half (SUPEROFFICE_JWKS set to a JWKS or certificate file holding it)
  --client-id ID       the application's client id (one of the server's SUPEROFFICE_CLIENT_ID)
  --app-key FILE       the application's public key (or its key file), to check the answer's signature
  --online-kid KID     the kid to name in the tokens, when the server's JWKS names its keys

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
let onlineKeyFile: string | undefined
let clientId: string | undefined
let appKeyFile: string | undefined
let onlineKid: string | undefined
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
  } else if (arg === '--online-key') onlineKeyFile = value()
  else if (arg === '--client-id') clientId = value()
  else if (arg === '--app-key') appKeyFile = value()
  else if (arg === '--online-kid') onlineKid = value()
  else if (arg.startsWith('--')) fail(`unknown option ${arg}`)
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

if ((onlineKeyFile === undefined) !== (clientId === undefined)) fail('--online-key and --client-id go together')
if (appKeyFile && !onlineKeyFile) fail('--app-key needs --online-key and --client-id')
const key = (file: string, parse: (text: string) => KeyObject, what: string): KeyObject => {
  try {
    return parse(readFileSync(file, 'utf8'))
  } catch (error) {
    return fail(`${what} ${file} is not usable: ${error instanceof Error ? error.message : String(error)}`)
  }
}
const online = onlineKeyFile
  ? {
      signingKey: key(onlineKeyFile, parsePrivateKey, '--online-key'),
      clientId: clientId!,
      kid: onlineKid,
      appPublicKey: appKeyFile ? key(appKeyFile, parsePublicKey, '--app-key') : undefined,
    }
  : undefined

console.log(`Conformance of ${url}${noWrites ? ' (read-only)' : ''}`)
const report = await runConformance({ url, config, noWrites, traceDir, timeoutMs, online, print: (line) => console.log(line) })
if (jsonFile) writeFileSync(jsonFile, JSON.stringify({ url, results: report.results, passed: report.count('passed'), failed: report.count('failed'), warnings: report.count('warning'), skipped: report.count('skipped') }, null, 2))
if (traceDir) console.log(`\nexchanges saved in ${traceDir}`)
console.log(`\n${report.summary()}`)
process.exit(report.count('failed') > 0 ? 1 : 0)
