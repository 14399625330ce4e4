/**
 * A logger for connectors that never writes a connection's secrets (its Password configuration values):
 * every string in what is logged has them replaced with `***`.
 */
import type { ConnectorLogger } from './connector.js'

const MASK = '***'

export function maskingLogger(log: ConnectorLogger, secrets: readonly string[]): ConnectorLogger {
  const values = secrets.filter((s) => s !== '')
  if (values.length === 0) return log
  // Very short secrets would mask letters all over a log line; those are masked only where they are a whole value.
  const long = values.filter((s) => s.length >= 4).sort((a, b) => b.length - a.length)
  const exact = new Set(values)
  const maskText = (text: string): string => {
    if (exact.has(text)) return MASK
    let out = text
    for (const secret of long) if (out.includes(secret)) out = out.split(secret).join(MASK)
    return out
  }
  const mask = (value: unknown, depth = 0): unknown => {
    if (typeof value === 'string') return maskText(value)
    if (depth > 8 || value === null || typeof value !== 'object') return value
    if (value instanceof Error) return { type: value.name, message: maskText(value.message), stack: value.stack && maskText(value.stack) }
    if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [k, mask(v, depth + 1)]))
    if (Array.isArray(value)) return value.map((v) => mask(v, depth + 1))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask(v, depth + 1)]))
  }
  const wrap =
    (level: keyof ConnectorLogger) =>
    (details: object | string, message?: string): void => {
      if (message === undefined) log[level](mask(details) as object | string)
      else log[level](mask(details) as object | string, maskText(message))
    }
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') }
}
