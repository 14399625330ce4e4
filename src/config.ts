/**
 * Server configuration from the environment, checked once at start: every bad value is reported together, each
 * with what to write instead.
 */
import { parseSecretKey, SecretKeyError } from './connections/secrets.js'
import { DEFAULT_BODY_LIMIT, DEFAULT_MAX_DEPTH } from './soap/plugin.js'

export interface AppConfig {
  port: number
  host: string
  /** Unset: the embedded database in `dataDir`. */
  databaseUrl: string | undefined
  dataDir: string
  bodyLimit: number
  maxDepth: number
  trustProxy: boolean
  logLevel: string
  secretKey: Buffer | undefined
  /** TCP port of the embedded database on 127.0.0.1; unset: a free port picked at each start. */
  embeddedDbPort: number | undefined
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
  const embeddedDbPort = integer('EMBEDDED_DB_PORT', undefined, 1, 65535, 'use a TCP port number from 1 to 65535')

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

  let secretKey: Buffer | undefined
  if (env.CONNECTION_SECRET_KEY?.trim()) {
    try {
      secretKey = parseSecretKey(env.CONNECTION_SECRET_KEY)
    } catch (error) {
      if (!(error instanceof SecretKeyError)) throw error
      problems.push(`CONNECTION_SECRET_KEY is not valid: it ${error.message}`)
    }
  }

  if (problems.length > 0) throw new ConfigError(problems)
  return { port, host, databaseUrl, dataDir, bodyLimit, maxDepth, trustProxy, logLevel, secretKey, embeddedDbPort }
}
