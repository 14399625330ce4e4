/**
 * What a database error means for the caller: the database cannot be used right now (retry later), it is too busy
 * right now (retry in a moment), or something was asked of it that it refuses (a bug, not worth retrying).
 */

export type DatabaseErrorKind = 'unavailable' | 'busy' | 'bug'

// SQLSTATE: 57014 query canceled (statement timeout), 55P03 lock not available (lock timeout), 53xxx insufficient
// resources (53300 too many connections), 40001/40P01 serialization failure and deadlock: all succeed when retried.
const BUSY_SQLSTATE = /^(57014|55P03|53|40001|40P01)/
// 08 connection exception, 57P0x shutdown or cannot connect now, 3D000 no such database, 28xxx authentication.
const UNAVAILABLE_SQLSTATE = /^(08|57P0|3D000|28)/
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN'])
// The pg driver's own errors carry no code: a connection lost, a connect or query that timed out.
const UNAVAILABLE_MESSAGE =
  /timeout exceeded when trying to connect|Connection terminated|not currently accepting connections|Client has encountered a connection error|the database system is (starting up|shutting down)|Query read timeout|Client was closed and is not queryable|connection timeout/i

export function classifyDatabaseError(error: unknown): DatabaseErrorKind {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') {
      if (BUSY_SQLSTATE.test(code)) return 'busy'
      if (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_ERRNO.has(code)) return 'unavailable'
    }
    if (e instanceof AggregateError && e.errors.some((inner) => classifyDatabaseError(inner) === 'unavailable')) return 'unavailable'
    if (UNAVAILABLE_MESSAGE.test(e.message)) return 'unavailable'
  }
  return 'bug'
}

export function isDatabaseUnavailable(error: unknown): boolean {
  return classifyDatabaseError(error) === 'unavailable'
}
