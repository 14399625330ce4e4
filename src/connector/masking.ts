/**
 * Keeps a call's secrets (the Password configuration values of the connection in play) out of what leaves the
 * process: log lines, answers and the connection's last error. Every string is searched for the secrets, which are
 * replaced with `***`.
 */
import type { FastifyBaseLogger } from 'fastify'

const MASK = '***'
const MAX_DEPTH = 8
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const

export interface Masker {
  readonly secrets: readonly string[]
  text(text: string): string
  /** A copy of `value` with the secrets masked in every string, Errors (their class kept) included. */
  value<T>(value: T): T
}

/** A masker for these secrets, or undefined when there is nothing to mask. */
export function createMasker(secrets: readonly string[]): Masker | undefined {
  if (secrets.length === 0) return undefined
  const values = [...new Set(secrets.filter((s) => s !== ''))]
  if (values.length === 0) return undefined
  // Very short secrets would mask letters all over a line; those are masked only where they are a whole value.
  // A secret also shows JSON-escaped in some errors (a database's, quoting the JSON it was given).
  const long = [...new Set(values.filter((s) => s.length >= 4).flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))]
  long.sort((a, b) => b.length - a.length)
  const exact = new Set(values)
  const text = (input: string): string => {
    if (exact.has(input)) return MASK
    let out = input
    for (const secret of long) if (out.includes(secret)) out = out.split(secret).join(MASK)
    return out
  }
  const mask = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return text(value)
    if (value === null || typeof value !== 'object' || value instanceof Date || ArrayBuffer.isView(value)) return value
    if (depth > MAX_DEPTH) return '[not logged: nested too deep]'
    if (value instanceof Error) return maskError(value, (v) => mask(v, depth + 1))
    if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [mask(k, depth + 1), mask(v, depth + 1)]))
    if (Array.isArray(value)) return value.map((v) => mask(v, depth + 1))
    const copy: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) copy[text(k)] = mask(v, depth + 1)
    return copy
  }
  return { secrets: values, text, value: <T>(value: T) => mask(value, 0) as T }
}

/** A copy of the error, of the same class (so that it is handled as the original would be), every own property masked. */
function maskError(error: Error, mask: (value: unknown) => unknown): Error {
  const copy = Object.create(Object.getPrototypeOf(error) as object) as Error
  for (const key of Reflect.ownKeys(error)) {
    const descriptor = Object.getOwnPropertyDescriptor(error, key)!
    const value = 'value' in descriptor ? descriptor.value : (error as unknown as Record<PropertyKey, unknown>)[key]
    Object.defineProperty(copy, key, { value: mask(value), writable: true, enumerable: descriptor.enumerable ?? false, configurable: true })
  }
  return copy
}

/**
 * The logger with the masker applied to everything logged through it (and through its children).
 *
 * @example request.log = maskingLogger(request.log, createMasker(['hunter2'])!)
 */
export function maskingLogger(log: FastifyBaseLogger, masker: Masker): FastifyBaseLogger {
  const masked = Object.create(log) as FastifyBaseLogger
  for (const level of LEVELS) {
    const write = log[level] as (...args: unknown[]) => void
    Object.defineProperty(masked, level, { value: (...args: unknown[]) => write.apply(log, args.map((arg) => masker.value(arg))), writable: true, configurable: true })
  }
  masked.child = (bindings, options) => maskingLogger(log.child(masker.value(bindings), options), masker)
  return masked
}
