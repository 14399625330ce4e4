/**
 * Optional access tokens. SuperOffice lets an admin enter only a URL for the connector, so the token travels in it,
 * as the first path segment: /<token>/ErpConnectorWS.svc. Several tokens may be valid at once, to rotate one.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'

/** Characters a token may hold: those that need no escaping in a URL path. */
const TOKEN_CHARACTERS = /^[A-Za-z0-9._~-]+$/
const MIN_TOKEN_LENGTH = 32
/** Estimated as length × log2(distinct characters): `openssl rand -hex 32` gives 256. */
const MIN_TOKEN_BITS = 128

/**
 * What is wrong with a token an operator chose, or undefined when it will do.
 * @example tokenProblem('secret') // 'is 6 characters long; use at least 32 ...'
 */
export function tokenProblem(token: string): string | undefined {
  const advice = 'make one with: openssl rand -hex 32'
  if (!TOKEN_CHARACTERS.test(token)) return `has characters other than letters, digits and . _ ~ - (it travels in a URL); ${advice}`
  if (token.length < MIN_TOKEN_LENGTH) return `is ${token.length} characters long; use at least ${MIN_TOKEN_LENGTH}: ${advice}`
  const bits = token.length * Math.log2(new Set(token).size)
  if (bits < MIN_TOKEN_BITS) return `is too easy to guess (too few different characters); ${advice}`
  return undefined
}

/** Failures counted per address are forgotten after this long without another. */
const FORGET_AFTER_MS = 15 * 60 * 1000
/** Addresses remembered at most; the least recently failing ones are forgotten first. */
const MAX_ADDRESSES = 10_000
/** Failures from one address answered at once (an admin mistyping the URL); each later one waits twice as long. */
const FREE_FAILURES = 3
const FIRST_DELAY_MS = 100
const MAX_DELAY_MS = 10_000

/**
 * Checks the token of each request to the endpoint. A wrong or missing one is answered 404, like a path that does
 * not exist, and logged with the caller's address (never the token); repeated failures from one address are
 * answered more and more slowly.
 *
 * @example app.addHook('onRequest', createAccessGuard(['…64 hex digits…']).check)
 */
export function createAccessGuard(tokens: readonly string[], options: { onRefused?: (request: FastifyRequest) => void } = {}) {
  // Compared as digests, so that the comparison takes the same time whatever the length or content of the guess.
  const digests = tokens.map(digest)
  const failures = new Map<string, { count: number; at: number }>()

  function valid(candidate: string | undefined): boolean {
    if (candidate === undefined) return false
    const guess = digest(candidate)
    let ok = false
    for (const known of digests) ok = timingSafeEqual(known, guess) || ok
    return ok
  }

  function recordFailure(address: string): number {
    const now = Date.now()
    const previous = failures.get(address)
    const count = previous && now - previous.at < FORGET_AFTER_MS ? previous.count + 1 : 1
    // Re-inserted so that the Map's order is least recently failing first.
    failures.delete(address)
    failures.set(address, { count, at: now })
    if (failures.size > MAX_ADDRESSES) failures.delete(failures.keys().next().value!)
    return count
  }

  return {
    /** An onRequest hook for routes whose `accessToken` parameter (absent: missing) must be a valid token. */
    async check(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
      const token = (request.params as { accessToken?: string } | undefined)?.accessToken
      if (valid(token)) {
        if (failures.size > 0) failures.delete(request.ip)
        return undefined
      }
      const count = recordFailure(request.ip)
      request.log.warn(
        { remoteAddress: request.ip, failures: count },
        `refused a request to the endpoint: access token ${token === undefined ? 'missing' : 'wrong'} (see ACCESS_TOKENS)`,
      )
      options.onRefused?.(request)
      if (count > FREE_FAILURES) {
        const delay = Math.min(FIRST_DELAY_MS * 2 ** (count - FREE_FAILURES - 1), MAX_DELAY_MS)
        await new Promise((resolve) => setTimeout(resolve, delay))
      }
      return reply.code(404).send({ error: 'Not Found', statusCode: 404 })
    },
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}
