/**
 * Which database errors mean "the database cannot be used right now" (so a call may be retried later), as opposed
 * to a fault in what was asked of it.
 */

// SQLSTATE classes: 08 connection exception, 57P0x shutdown/cannot connect now, 53300 too many connections,
// 3D000 no such database, 28xxx authentication, 55000 with "not currently accepting connections".
const UNAVAILABLE_SQLSTATE = /^(08|57P0|53300|3D000|28)/
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN'])
const UNAVAILABLE_MESSAGE = /timeout exceeded when trying to connect|Connection terminated|not currently accepting connections|Client has encountered a connection error|the database system is (starting up|shutting down)|Query read timeout/i

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_ERRNO.has(code))) return true
  return UNAVAILABLE_MESSAGE.test(error.message) || (error.cause !== undefined && isDatabaseUnavailable(error.cause))
}
