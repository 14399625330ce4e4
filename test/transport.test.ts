// The HTTP side of a hostile or clumsy client: compressed bodies (decoded up to the size limit, never further),
// encodings the server does not decode, bodies over the limit from a client that writes everything before it reads
// (PHP's SoapClient), and slow or idle connections, which the server closes.
import net from 'node:net'
import { Readable } from 'node:stream'
import { deflateSync, gzipSync } from 'node:zlib'
import t, { type Test } from 'tap'
import { decodedBody } from '../src/soap/transport.js'
import { startTestServer } from './helpers/server.js'
import { action, child, envelope, fault, fixture, payload, post, TNS } from './helpers/soap.js'

const LIMIT = 64 * 1024
const server = await startTestServer({ bodyLimit: LIMIT })
t.teardown(() => server.close())
const port = Number(new URL(server.origin).port)

interface RawAnswer {
  /** Everything the server sent, as text. */
  text: string
  /** An error the client saw (EPIPE, ECONNRESET...), if any. */
  error?: string
  /** How many bytes the client managed to hand to the socket. */
  written: number
}

/**
 * Writes the whole request before reading anything, as PHP's SoapClient does, then reads until the server closes
 * or `readFor` says the answer is complete.
 */
function writeThenRead(head: string, body: Buffer | Iterable<Buffer>, readFor: (text: string) => boolean = answerComplete): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    const result: RawAnswer = { text: '', written: 0 }
    let reading = false
    const chunks: Buffer[] = []
    const finish = () => {
      result.text = Buffer.concat(chunks).toString('utf8')
      socket.destroy()
      resolve(result)
    }
    socket.on('error', (error: NodeJS.ErrnoException) => {
      result.error ??= error.code ?? error.message
      finish()
    })
    socket.on('close', finish)
    socket.on('data', (chunk: Buffer) => {
      if (!reading) throw new Error('read before the request was written')
      chunks.push(chunk)
      if (readFor(Buffer.concat(chunks).toString('utf8'))) finish()
    })
    socket.pause()
    const parts = Buffer.isBuffer(body) ? [body] : body
    void (async () => {
      const write = (bytes: Buffer) =>
        new Promise<void>((done, fail) => socket.write(bytes, (error) => (error ? fail(error) : ((result.written += bytes.length), done()))))
      try {
        await write(Buffer.from(head))
        for (const part of parts) await write(part)
      } catch {
        // Seen by the 'error' listener.
        return
      }
      reading = true
      socket.resume()
    })()
  })
}

function answerComplete(text: string): boolean {
  const split = text.indexOf('\r\n\r\n')
  const length = /content-length: (\d+)/i.exec(text.slice(0, split))
  return split >= 0 && length !== null && Buffer.byteLength(text.slice(split + 4)) >= Number(length[1])
}

function requestHead(headers: Record<string, string | number>): string {
  const lines = Object.entries({ host: `127.0.0.1:${port}`, 'content-type': 'text/xml; charset=utf-8', soapaction: action('WSTestConnection'), ...headers })
  return `POST /ErpConnectorWS.svc HTTP/1.1\r\n${lines.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`
}

/** The status line and the SOAP fault of a raw HTTP answer. */
function rawFault(text: string): { status: number; faultcode: string; faultstring: string } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1])
  return { status, ...fault(text.slice(text.indexOf('\r\n\r\n') + 4)) }
}

// Larger than what the kernel's socket buffers absorb on loopback (tcp_rmem + tcp_wmem), so that a server that stops
// reading makes the client's write fail.
const overLimit = Buffer.from(envelope(`<RequestBase xmlns="${TNS}"><ConnectionGuid>${'x'.repeat(48 * 1024 * 1024)}</ConnectionGuid></RequestBase>`))

async function stillAnswers(t: Test): Promise<void> {
  const next = await post(server.endpoint, fixture('WSGetConfigData'), { soapaction: action('WSGetConfigData') })
  t.equal(child(payload(next.text), 'State').text, 'Ok', 'the server answers the next request')
}

t.test('a body over the limit, written whole before reading: the client reads 413 and the fault', async (t) => {
  const sized = await writeThenRead(requestHead({ 'content-length': overLimit.length }), overLimit)
  t.equal(sized.error, undefined, 'no broken pipe, no reset')
  t.equal(sized.written, overLimit.length + requestHead({ 'content-length': overLimit.length }).length, 'the whole request was written')
  t.match(rawFault(sized.text), { status: 413, faultcode: 's:Client', faultstring: new RegExp(`larger than the limit of ${LIMIT} bytes.*BODY_LIMIT`) })

  const chunked = (function* () {
    for (let at = 0; at < overLimit.length; at += 256 * 1024) {
      const part = overLimit.subarray(at, at + 256 * 1024)
      yield Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')])
    }
    yield Buffer.from('0\r\n\r\n')
  })()
  const streamed = await writeThenRead(requestHead({ 'transfer-encoding': 'chunked' }), chunked)
  t.equal(streamed.error, undefined, 'chunked: no broken pipe, no reset')
  t.match(rawFault(streamed.text), { status: 413, faultstring: /larger than the limit/ })
  await stillAnswers(t)
})

t.test('draining an over-limit body is bounded: a body that never ends is cut off', async (t) => {
  function* endless() {
    const chunk = Buffer.alloc(1024 * 1024, 'x')
    for (let i = 0; i < 1024; i++) yield chunk
  }
  const answer = await writeThenRead(requestHead({ 'content-length': 1024 ** 3 }), endless(), () => false)
  t.ok(answer.written < 256 * 1024 * 1024, `the server stopped reading after ${(answer.written / 1024 / 1024).toFixed(1)} MiB of a 1 GiB body`)
  t.ok(answer.error !== undefined || answer.text.startsWith('HTTP/1.1 413'), 'the connection was closed')
  await stillAnswers(t)
})

const testConnection = envelope(`<RequestBase xmlns="${TNS}"><ConnectionGuid>00000000-0000-0000-0000-000000000001</ConnectionGuid></RequestBase>`)
const getConfigData = Buffer.from(fixture('WSGetConfigData'))

t.test('gzip and deflate bodies (PHP SoapClient compression) are decoded', async (t) => {
  for (const [encoding, bytes] of [
    ['gzip', gzipSync(getConfigData)],
    ['x-gzip', gzipSync(getConfigData)],
    ['deflate', deflateSync(getConfigData)],
    ['GZIP', gzipSync(getConfigData)],
    ['identity', getConfigData],
  ] as const) {
    const answer = await post(server.endpoint, bytes, { 'content-encoding': encoding, soapaction: action('WSGetConfigData') })
    t.equal(answer.status, 200, encoding)
    t.equal(child(payload(answer.text), 'State').text, 'Ok', encoding)
  }
  // A compressed body may be larger than the limit once decoded, though small on the wire.
  const big = gzipSync(Buffer.from(envelope(`<RequestBase xmlns="${TNS}"><ConnectionGuid>${'x'.repeat(LIMIT)}</ConnectionGuid></RequestBase>`)))
  t.ok(big.length < LIMIT / 10)
  const refused = await post(server.endpoint, big, { 'content-encoding': 'gzip', soapaction: action('WSTestConnection') })
  t.equal(refused.status, 413)
  t.match(fault(refused.text).faultstring, new RegExp(`larger than the limit of ${LIMIT} bytes`))
})

/** 16 MiB of zeros, gzipped to about 16 KiB. */
const bombMember = gzipSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 })
/** A gzip body of `members` members of 16 MiB of zeros each: small on the wire, gigabytes once decoded. */
function gzipBomb(members: number): Buffer {
  return Buffer.concat(Array.from({ length: members }, () => bombMember))
}

t.test('a zip bomb is refused with 413 once its decoded bytes pass the limit, and not inflated further', async (t) => {
  const bomb = gzipBomb(Math.floor(LIMIT / bombMember.length))
  t.ok(bomb.length < LIMIT, `the bomb is ${bomb.length} bytes on the wire`)
  const answer = await post(server.endpoint, bomb, { 'content-encoding': 'gzip', soapaction: action('WSTestConnection') })
  t.equal(answer.status, 413)
  t.match(fault(answer.text), { faultcode: 's:Client', faultstring: new RegExp(`larger than the limit of ${LIMIT} bytes`) })

  // The decoder itself: it stops taking input once the limit is passed (a 4 GiB bomb, 4 MiB on the wire).
  const big = gzipBomb(256)
  let pulled = 0
  const source = Readable.from(
    (function* () {
      for (let at = 0; at < big.length; at += 16 * 1024) {
        pulled += 16 * 1024
        yield big.subarray(at, at + 16 * 1024)
      }
    })(),
  )
  const decoded = decodedBody(source, 'gzip', LIMIT)
  let received = 0
  const error = await new Promise<Error & { code?: string }>((resolve) => {
    decoded.on('data', (chunk: Buffer) => (received += chunk.length))
    decoded.on('error', resolve)
    decoded.on('end', () => resolve(new Error('the bomb was decoded to its end')))
  })
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(error.code, 'SOAP_BODY_TOO_LARGE')
  t.ok(received <= LIMIT, `${received} decoded bytes handed on, no more than the limit`)
  t.ok(pulled < 1024 * 1024, `${pulled} of ${big.length} encoded bytes taken before it stopped`)
  await stillAnswers(t)
})

t.test('an encoding the server does not decode is refused with 415 and a fault naming it', async (t) => {
  const head = requestHead({ 'content-length': overLimit.length, 'content-encoding': 'br' })
  const written = await writeThenRead(head, overLimit)
  t.equal(written.error, undefined, 'a large body written whole: no broken pipe, no reset')
  t.match(rawFault(written.text), { status: 415, faultcode: 's:Client', faultstring: /Content-Encoding "br" is not supported.*gzip or deflate/ })
  for (const encoding of ['compress', 'gzip, br', 'zstd']) {
    const answer = await post(server.endpoint, testConnection, { 'content-encoding': encoding, soapaction: action('WSTestConnection') })
    t.equal(answer.status, 415, encoding)
    t.match(fault(answer.text), { faultcode: 's:Client', faultstring: new RegExp(`Content-Encoding "${encoding}" is not supported`) })
  }
  await stillAnswers(t)
})

t.test('a body that says gzip but is not is refused with a fault that says so', async (t) => {
  const answer = await post(server.endpoint, testConnection, { 'content-encoding': 'gzip', soapaction: action('WSTestConnection') })
  t.equal(answer.status, 500)
  t.match(fault(answer.text), { faultcode: 's:Client', faultstring: /The HTTP request could not be read: the body is not valid gzip data/ })
  const truncated = gzipSync(getConfigData).subarray(0, 40)
  const cut = await post(server.endpoint, truncated, { 'content-encoding': 'gzip', soapaction: action('WSGetConfigData') })
  t.match(fault(cut.text).faultstring, /not valid gzip data/)
  await stillAnswers(t)
})

t.test('slow, stalled and idle connections are closed by the server', async (t) => {
  const timeouts = { headersTimeoutMs: 300, requestTimeoutMs: 600, idleTimeoutMs: 300 }
  const strict = await startTestServer({ timeouts, testDatabase: server.testDatabase })
  t.teardown(() => strict.app.close())
  const strictPort = Number(new URL(strict.origin).port)

  /** Opens a connection, runs `behave` on it, and resolves with how it ended once the server closes it. */
  function closedByServer(behave: (socket: net.Socket) => void): Promise<{ text: string }> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(strictPort, '127.0.0.1')
      let text = ''
      let timer: NodeJS.Timeout | undefined
      socket.on('connect', () => behave(socket))
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
      socket.on('error', () => undefined)
      socket.on('close', () => {
        clearInterval(timer)
        clearTimeout(giveUp)
        resolve({ text })
      })
      // 50 times the longest timeout: a server that does not close the connection fails here, not at tap's timeout.
      const giveUp = setTimeout(() => {
        socket.destroy()
        reject(new Error('the server kept the connection open'))
      }, 50 * timeouts.requestTimeoutMs)
      socket.once('drip', (every: number, bytes: string) => {
        timer = setInterval(() => socket.writable && socket.write(bytes), every)
      })
    })
  }
  const body = Buffer.from(testConnection)
  const head = `POST /ErpConnectorWS.svc HTTP/1.1\r\nhost: x\r\ncontent-type: text/xml; charset=utf-8\r\nsoapaction: ${action('WSTestConnection')}\r\ncontent-length: ${body.length}\r\n\r\n`

  await t.resolves(closedByServer((s) => s.write(head.slice(0, 30))), 'headers that stop half-way')
  await t.resolves(closedByServer(() => undefined), 'a connection that never sends a byte')
  await t.resolves(closedByServer((s) => s.write(head + body.subarray(0, 100).toString())), 'a body that stops half-way')
  await t.resolves(
    closedByServer((s) => {
      s.write(head.replace(/content-length: \d+/, 'content-length: 100000'))
      // One byte every 50 ms: never idle long, but the whole body would take more than an hour.
      s.emit('drip', 50, 'x')
    }),
    'a body sent a byte at a time',
  )
  const idle = await closedByServer((s) => s.write(head + body.toString()))
  t.match(idle.text, /^HTTP\/1\.1 200/, 'an idle kept-alive connection is answered first, then closed')

  const answer = await post(strict.endpoint, body, { soapaction: action('WSTestConnection') })
  t.equal(answer.status, 200, 'a normal request is answered')
})
