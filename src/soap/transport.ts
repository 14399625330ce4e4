/**
 * The request body as HTTP carries it: compressed bodies decoded within the size limit, and what is left of a
 * refused body read and thrown away, so that a client that writes its whole request before it reads (PHP's
 * SoapClient) gets to read the answer.
 */
import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import { createUnzip } from 'node:zlib'
import * as errors from './errors.js'

/** Content-Encoding values the server decodes; `identity` means none. */
const DECODED = new Set(['gzip', 'x-gzip', 'deflate'])

/**
 * What to do with a request's Content-Encoding header: nothing, decode, or refuse it.
 * @example contentEncoding('GZIP') // 'gzip'
 */
export function contentEncoding(header: string | undefined): 'identity' | 'gzip' | 'deflate' {
  const encoding = (header ?? '').trim().toLowerCase()
  if (encoding === '' || encoding === 'identity') return 'identity'
  if (!DECODED.has(encoding)) throw new errors.UnsupportedContentEncoding(header!.trim())
  return encoding === 'deflate' ? 'deflate' : 'gzip'
}

/**
 * The decoded body of `source`, failing with BodyTooLarge as soon as more than `limit` decoded bytes would come
 * out. Then it stops taking input and inflating, so a small body that would inflate to gigabytes costs no more than
 * `limit`. `receivedEncodedLength` counts the bytes taken from `source` (Fastify compares it with Content-Length).
 */
export function decodedBody(source: Readable, encoding: 'gzip' | 'deflate', limit: number): Readable & { receivedEncodedLength: number } {
  // Unzip reads gzip and zlib ("deflate" in HTTP, which PHP and .NET send) alike, by their header.
  const inflater = createUnzip()
  let decoded = 0
  let failed = false
  const output = Object.assign(
    new Readable({
      read: () => inflater.resume(),
      destroy: (error, callback) => {
        stop()
        callback(error)
      },
    }),
    { receivedEncodedLength: 0 },
  )
  const onInput = (chunk: Buffer) => {
    output.receivedEncodedLength += chunk.length
    if (!inflater.write(chunk)) source.pause()
  }
  const onInputEnd = () => inflater.end()
  function stop(): void {
    source.removeListener('data', onInput)
    source.removeListener('end', onInputEnd)
    // Left paused: what is still to come is read by discardRestOfBody, which bounds it.
    source.pause()
    inflater.destroy()
  }
  function fail(error: Error): void {
    if (failed) return
    failed = true
    stop()
    output.destroy(error)
  }
  source.on('data', onInput)
  source.on('end', onInputEnd)
  inflater.on('drain', () => source.resume())
  inflater.on('data', (chunk: Buffer) => {
    decoded += chunk.length
    if (decoded > limit) return fail(new errors.BodyTooLarge(limit))
    if (!output.push(chunk)) inflater.pause()
  })
  inflater.on('end', () => output.push(null))
  inflater.on('error', (error) => fail(new errors.BadHttpRequest(`the body is not valid ${encoding} data (${error.message})`)))
  return output
}

/** How much of a refused body is read and thrown away, at the least, before its connection is closed instead. */
const DISCARD_AT_LEAST = 64 * 1024 * 1024

/**
 * Reads and throws away what is left of a request body that was answered without being read, up to four times the
 * body limit (64 MiB at the least); a body that goes on longer gets its connection closed. Time is bounded by the
 * server's request timeout.
 */
export function discardRestOfBody(request: IncomingMessage, bodyLimit: number): void {
  if (request.complete || request.destroyed) return
  const maxBytes = Math.max(4 * bodyLimit, DISCARD_AT_LEAST)
  let seen = 0
  request.on('data', (chunk: Buffer) => {
    seen += chunk.length
    if (seen > maxBytes) request.socket.destroy()
  })
  request.resume()
}
