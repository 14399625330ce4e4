/**
 * Server configuration from the environment, checked once at start: every bad value is reported together, each
 * with what to write instead.
 */
import { tokenProblem } from './access.js'
import { parseSecretKeys, SecretKeyError } from './connections/secrets.js'
import { loadOnlineConfig, type OnlineConfig } from './online/settings.js'
import { loadTlsConfig, type TlsConfig } from './tls.js'
import { METRICS_ACCESS, type MetricsAccess } from './metrics.js'
import { DEFAULT_TIMEOUTS, type Timeouts } from './server.js'
import { DEFAULT_MAX_WORKBOOKS } from './connectors/excel/connector.js'
import { DEFAULT_CONNECTORS, SHIPPED_CONNECTOR_NAMES, type ShippedConnectorName } from './connectors/registry.js'
import { DEFAULT_BODY_LIMIT, DEFAULT_MAX_DEPTH } from './soap/plugin.js'
import { DEFAULT_MAX_ATTRIBUTES, DEFAULT_MAX_NAME_LENGTH, DEFAULT_MAX_NAMESPACE_DECLARATIONS } from './soap/xml.js'

export interface AppConfig {
  port: number
  host: string
  /** Unset: the embedded database in `dataDir`. */
  databaseUrl: string | undefined
  dataDir: string
  bodyLimit: number
  maxDepth: number
  maxAttributes: number
  maxNamespaceDeclarations: number
  maxNameLength: number
  trustProxy: boolean
  logLevel: string
  /** Key ring for Password values at rest: seal with the first, open with any; empty when unset. */
  secretKeys: Buffer[]
  /** TCP port of the embedded database on 127.0.0.1; unset: a free port picked at each start. */
  embeddedDbPort: number | undefined
  /** CRM Online's Authenticate (SUPEROFFICE_*); unset: not configured. */
  online: OnlineConfig | undefined
  /** HTTPS (TLS_CERT_FILE, TLS_KEY_FILE); unset: plain HTTP. */
  tls: TlsConfig | undefined
  timeouts: Timeouts
  /** Empty: the endpoint is open to anyone who reaches the port. */
  accessTokens: string[]
  /** The connectors served, in order: the first answers a URL without ?ConnectorName=. */
  connectors: ShippedConnectorName[]
  /** The most workbooks the Excel connector creates. */
  maxWorkbooks: number
  /** Longest wait for a workbook (or record) another call or process is changing. */
  lockWaitSeconds: number
  /** GET /metrics: off, open (on), or only at /<token>/metrics (token). */
  metrics: MetricsAccess
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/**
 * @example const config = loadConfig(process.env)
 */
export function loadConfig(env: NodeJS.ProcessEnv): AppConfig {
  const problems: string[] = []
  const integer = (name: string, fallback: number | undefined, min: number, max: number, hint: string): number | undefined => {
    const raw = env[name]
    if (raw === undefined || raw.trim() === '') return fallback
    const value = /^[0-9]+$/.test(raw.trim()) ? Number(raw) : Number.NaN
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${name}="${raw}" is not valid: ${hint}`)
      return fallback
    }
    return value
  }
  const port = integer('PORT', 8080, 0, 65535, 'use a TCP port number from 0 to 65535 (0 picks a free one)')!
  const bodyLimit = integer('BODY_LIMIT', DEFAULT_BODY_LIMIT, 1024, 1024 ** 3, 'use a size in bytes from 1024 to 1073741824')!
  const maxDepth = integer('MAX_DEPTH', DEFAULT_MAX_DEPTH, 8, 1000, 'use a nesting depth from 8 to 1000')!
  const maxAttributes = integer('MAX_ATTRIBUTES', DEFAULT_MAX_ATTRIBUTES, 8, 100_000, 'use a number of attributes per element from 8 to 100000')!
  const maxNamespaceDeclarations = integer(
    'MAX_NAMESPACE_DECLARATIONS',
    DEFAULT_MAX_NAMESPACE_DECLARATIONS,
    8,
    100_000,
    'use a number of namespace declarations per element from 8 to 100000',
  )!
  const maxNameLength = integer('MAX_NAME_LENGTH', DEFAULT_MAX_NAME_LENGTH, 256, 1024 * 1024, 'use a length in bytes from 256 to 1048576')!
  const lockWaitSeconds = integer('LOCK_WAIT_SECONDS', 30, 1, 3600, 'use a number of seconds from 1 to 3600')!
  const embeddedDbPort = integer('EMBEDDED_DB_PORT', undefined, 1, 65535, 'use a TCP port number from 1 to 65535')
  const maxWorkbooks = integer('MAX_WORKBOOKS', DEFAULT_MAX_WORKBOOKS, 1, 1_000_000, 'use a number of workbooks from 1 to 1000000')!

  const connectorsRaw = (env.CONNECTORS ?? '').trim()
  let connectors = [...DEFAULT_CONNECTORS]
  if (connectorsRaw !== '') {
    const names = connectorsRaw.split(',').map((n) => n.trim().toLowerCase())
    const known = (n: string): n is ShippedConnectorName => (SHIPPED_CONNECTOR_NAMES as string[]).includes(n)
    if (!names.every(known) || new Set(names).size !== names.length) {
      problems.push(`CONNECTORS="${env.CONNECTORS}" is not valid: list connectors separated by commas, each once, from ${SHIPPED_CONNECTOR_NAMES.join(', ')} (such as excel,memory)`)
    } else connectors = names
  }

  const host = env.HOST?.trim() || '127.0.0.1'
  if (!/^[A-Za-z0-9.:\-[\]]+$/.test(host)) problems.push(`HOST="${env.HOST}" is not valid: use an IP address or host name, such as 0.0.0.0`)

  const databaseUrl = env.DATABASE_URL?.trim() || undefined
  if (databaseUrl !== undefined) {
    let ok = false
    try {
      ok = ['postgres:', 'postgresql:'].includes(new URL(databaseUrl).protocol)
    } catch {
      ok = false
    }
    if (!ok) problems.push('DATABASE_URL is not valid: use postgres://USER:PASSWORD@HOST:5432/DATABASE, or leave it unset for the embedded database')
  }
  if (databaseUrl !== undefined && embeddedDbPort !== undefined) {
    problems.push('EMBEDDED_DB_PORT applies only to the embedded database: unset it, or unset DATABASE_URL')
  }

  const dataDir = env.DATA_DIR?.trim() || './data'

  const trustProxyRaw = (env.TRUST_PROXY ?? '').trim().toLowerCase()
  if (!['', 'true', 'false', '1', '0'].includes(trustProxyRaw)) problems.push(`TRUST_PROXY="${env.TRUST_PROXY}" is not valid: use true or false`)
  const trustProxy = trustProxyRaw === 'true' || trustProxyRaw === '1'

  const logLevel = (env.LOG_LEVEL ?? 'info').trim().toLowerCase()
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL="${env.LOG_LEVEL}" is not valid: use one of ${LOG_LEVELS.join(', ')}`)

  let secretKeys: Buffer[] = []
  if (env.CONNECTION_SECRET_KEY?.trim()) {
    try {
      secretKeys = parseSecretKeys(env.CONNECTION_SECRET_KEY)
    } catch (error) {
      if (!(error instanceof SecretKeyError)) throw error
      problems.push(`CONNECTION_SECRET_KEY is not valid: ${error.message}`)
    }
  }
  if (env.CONNECTION_SECRET_KEY_OLD?.trim()) {
    problems.push('CONNECTION_SECRET_KEY_OLD is no longer read: list the old key after the new one, CONNECTION_SECRET_KEY="NEW,OLD"')
  }

  const online = loadOnlineConfig(env, problems)
  const tls = loadTlsConfig(env, problems)

  const milliseconds = (name: string, fallback: number) => integer(name, fallback, 100, 3_600_000, 'use a time in milliseconds from 100 to 3600000')!
  const timeouts: Timeouts = {
    headersTimeoutMs: milliseconds('HEADERS_TIMEOUT_MS', DEFAULT_TIMEOUTS.headersTimeoutMs),
    requestTimeoutMs: milliseconds('REQUEST_TIMEOUT_MS', DEFAULT_TIMEOUTS.requestTimeoutMs),
    idleTimeoutMs: milliseconds('IDLE_TIMEOUT_MS', DEFAULT_TIMEOUTS.idleTimeoutMs),
  }
  if (timeouts.headersTimeoutMs > timeouts.requestTimeoutMs) {
    problems.push(`HEADERS_TIMEOUT_MS (${timeouts.headersTimeoutMs}) is longer than REQUEST_TIMEOUT_MS (${timeouts.requestTimeoutMs}), which includes the headers: lower it, or raise REQUEST_TIMEOUT_MS`)
  }

  const accessTokens = (env.ACCESS_TOKENS ?? '').split(',').map((token) => token.trim()).filter((token) => token !== '')
  accessTokens.forEach((token, index) => {
    // The token itself is never repeated: the message may end up in a log.
    const problem = tokenProblem(token)
    if (problem) problems.push(`ACCESS_TOKENS is not valid: token ${index + 1} ${problem}`)
  })

  const metricsRaw = (env.METRICS ?? '').trim().toLowerCase() || 'off'
  const metrics = (METRICS_ACCESS as string[]).includes(metricsRaw) ? (metricsRaw as MetricsAccess) : 'off'
  if (metrics !== metricsRaw) problems.push(`METRICS="${env.METRICS}" is not valid: use off, on (GET /metrics open to anyone who reaches the port) or token (only at /<ACCESS_TOKEN>/metrics)`)
  else if (metrics === 'token' && accessTokens.length === 0) problems.push('METRICS=token serves /metrics only under an access token, and ACCESS_TOKENS is not set: set ACCESS_TOKENS, or use METRICS=on')

  if (problems.length > 0) throw new ConfigError(problems)
  return { metrics, port, host, databaseUrl, dataDir, bodyLimit, maxDepth, maxAttributes, maxNamespaceDeclarations, maxNameLength, trustProxy, logLevel, secretKeys, embeddedDbPort, timeouts, accessTokens, online, tls, connectors, maxWorkbooks, lockWaitSeconds }
}
