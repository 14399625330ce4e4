/**
 * Writes XML straight to UTF-8 bytes: markup as bytes encoded once (per element name, at module load), character
 * data escaped and encoded in the same pass that copies it. Generated writers (generated/codecs.ts) use it.
 *
 * Why bytes and not strings: a 1,000-actor response built by string concatenation is a rope of ~100,000 pieces, and
 * flattening it (which Node does before sending) cost about 5 ms on the 2-core reference machine, more than
 * building it; then it still had to be encoded as UTF-8. Writing bytes costs about what `JSON.stringify` plus
 * `Buffer.from` of the same data costs.
 */

/** A value that cannot be written as XML 1.0 character data. */
export class XmlWriteError extends Error {
  override readonly name = 'XmlWriteError'
}

/** One element name's markup, encoded once: `<n>`, `</n>`, `<n/>` and `<n i:nil="true"/>`. */
export interface ElementBytes {
  readonly open: Uint8Array
  readonly close: Uint8Array
  readonly empty: Uint8Array
  readonly nil: Uint8Array
}

const encoder = new TextEncoder()

/** Markup that never changes, encoded once. Only for text that is already valid XML. */
export function markup(xml: string): Uint8Array {
  return encoder.encode(xml)
}

/**
 * The markup of element `qname`, optionally with attributes (namespace declarations) on its start tag.
 *
 * @example const NAME = element('Name'); w.raw(NAME.open); w.text('Ann & Bob'); w.raw(NAME.close)
 */
export function element(qname: string, attributes = ''): ElementBytes {
  const start = attributes ? `${qname} ${attributes}` : qname
  return {
    open: markup(`<${start}>`),
    close: markup(`</${qname}>`),
    empty: markup(`<${start}/>`),
    nil: markup(`<${start} i:nil="true"/>`),
  }
}

// Strings at least this long go through Buffer's native encoder when they need no escaping; shorter ones are
// cheaper to copy in the loop than to hand over.
const NATIVE_FROM = 64
const TEXT_BLOCK = 8192
// Markup longer than this is copied with TypedArray.set; a loop is cheaper for short tags.
const SET_FROM = 16
const NEEDS_CARE = /[&<>\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/

/** A growing byte buffer for one document; see `writeXml`. */
export class XmlWriter {
  private buf: Buffer
  private pos = 0

  constructor(capacity = 16 * 1024) {
    this.buf = Buffer.allocUnsafe(capacity)
  }

  /** Appends markup encoded by `markup` or `element`. */
  raw(bytes: Uint8Array): void {
    const n = bytes.length
    if (this.pos + n > this.buf.length) this.grow(n)
    if (n > SET_FROM) this.buf.set(bytes, this.pos)
    else {
      const buf = this.buf
      let p = this.pos
      for (let i = 0; i < n; i++) buf[p++] = bytes[i]!
    }
    this.pos += n
  }

  /**
   * Appends character data: `&`, `<`, `>` escaped, CR as `&#xD;` (a reader would turn a literal CR into LF, which
   * changes the value; .NET's XmlWriter does the same). Fails on what XML 1.0 cannot carry: control characters
   * other than tab, LF and CR, U+FFFE, U+FFFF, and unpaired surrogates.
   */
  text(value: string): void {
    // An untyped caller may hand over a number or a boolean: it is written as text, as a template string would.
    if (typeof value !== 'string') value = String(value)
    const n = value.length
    if (n >= NATIVE_FROM && !NEEDS_CARE.test(value)) {
      // At most 3 bytes of UTF-8 per UTF-16 unit.
      if (this.pos + n * 3 > this.buf.length) this.grow(n * 3)
      this.pos += this.buf.write(value, this.pos, 'utf8')
      return
    }
    // Worst case per UTF-16 unit: "&#xD;" (5 bytes) or 3 bytes of UTF-8 (4 for a pair that ends a block). Room is
    // made a block at a time, so that a long value does not ask for five times its size at once.
    let i = 0
    while (i < n) {
      const blockEnd = Math.min(n, i + TEXT_BLOCK)
      const room = (blockEnd - i) * 5 + 4
      if (this.pos + room > this.buf.length) this.grow(room)
      const buf = this.buf
      let p = this.pos
      for (; i < blockEnd; i++) {
        const c = value.charCodeAt(i)
        if (c < 0x80) {
          if (c > 62 || (c >= 32 && c !== 38 && c !== 60 && c !== 62)) buf[p++] = c
          else if (c === 38) {
            buf[p++] = 38 // &amp;
            buf[p++] = 97
            buf[p++] = 109
            buf[p++] = 112
            buf[p++] = 59
          } else if (c === 60 || c === 62) {
            buf[p++] = 38 // &lt; or &gt;
            buf[p++] = c === 60 ? 108 : 103
            buf[p++] = 116
            buf[p++] = 59
          } else if (c === 9 || c === 10) buf[p++] = c
          else if (c === 13) {
            buf[p++] = 38 // &#xD;
            buf[p++] = 35
            buf[p++] = 120
            buf[p++] = 68
            buf[p++] = 59
          } else this.refuse(c)
        } else if (c < 0x800) {
          buf[p++] = 0xc0 | (c >> 6)
          buf[p++] = 0x80 | (c & 0x3f)
        } else if (c < 0xd800 || (c > 0xdfff && c < 0xfffe)) {
          buf[p++] = 0xe0 | (c >> 12)
          buf[p++] = 0x80 | ((c >> 6) & 0x3f)
          buf[p++] = 0x80 | (c & 0x3f)
        } else {
          const low = i + 1 < n ? value.charCodeAt(i + 1) : 0
          if (c > 0xdbff || low < 0xdc00 || low > 0xdfff) this.refuse(c)
          i++
          const code = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00)
          buf[p++] = 0xf0 | (code >> 18)
          buf[p++] = 0x80 | ((code >> 12) & 0x3f)
          buf[p++] = 0x80 | ((code >> 6) & 0x3f)
          buf[p++] = 0x80 | (code & 0x3f)
        }
      }
      this.pos = p
    }
  }

  /** The bytes written so far, copied into a buffer of their own. */
  toBuffer(): Buffer {
    // allocUnsafe: Buffer.from(view) would zero the new memory before copying over all of it.
    const out = Buffer.allocUnsafe(this.pos)
    this.buf.copy(out, 0, 0, this.pos)
    return out
  }

  /** The bytes written so far, in the writer's own buffer: valid until the writer writes again. */
  view(): Buffer {
    return this.buf.subarray(0, this.pos)
  }

  reset(): void {
    this.pos = 0
  }

  get capacity(): number {
    return this.buf.length
  }

  private grow(needed: number): void {
    let size = Math.max(this.buf.length * 2, 1024)
    while (size < this.pos + needed) size *= 2
    const bigger = Buffer.allocUnsafe(size)
    this.buf.copy(bigger, 0, 0, this.pos)
    this.buf = bigger
  }

  private refuse(code: number): never {
    throw new XmlWriteError(`The text contains U+${code.toString(16).toUpperCase().padStart(4, '0')}, which XML 1.0 cannot carry`)
  }
}

// Writers are pooled with their buffers: memory the process has just used is already mapped, while a fresh
// megabyte costs page faults on every write to it (about a third of writing a 1,000-actor response, measured).
// The pool holds at most POOL_BYTES between them, so a burst of large answers does not leave the process holding
// their buffers for good.
const pool: XmlWriter[] = []
const POOL_BYTES = 16 * 1024 * 1024
let pooledBytes = 0

function acquire(): XmlWriter {
  const w = pool.pop()
  if (!w) return new XmlWriter()
  pooledBytes -= w.capacity
  w.reset()
  return w
}

function giveBack(w: XmlWriter): void {
  if (pooledBytes + w.capacity > POOL_BYTES) return
  pooledBytes += w.capacity
  pool.push(w)
}

/**
 * Runs `write` against a writer and returns the bytes it wrote, in a buffer of their own.
 *
 * @example const bytes = writeXml((w) => ErpConnectorWS.operations.WSTestConnection.writeResponse(w, { State: 'Ok' }))
 */
export function writeXml(write: (w: XmlWriter) => void): Buffer {
  const w = acquire()
  try {
    write(w)
    return w.toBuffer()
  } finally {
    giveBack(w)
  }
}

/** Bytes lent from a pooled writer: use them, then `release` them exactly when nothing reads them any more. */
export class LentBytes {
  private writer: XmlWriter | undefined

  constructor(writer: XmlWriter) {
    this.writer = writer
    this.bytes = writer.view()
  }

  readonly bytes: Buffer

  /** Gives the buffer back for the next document; calling it again does nothing. */
  release(): void {
    if (this.writer) giveBack(this.writer)
    this.writer = undefined
  }
}

/**
 * Like `writeXml`, without copying the bytes out: for a large answer handed to a socket, released once the socket
 * has taken all of it. Bytes never released are simply garbage collected.
 */
export function writeXmlLent(write: (w: XmlWriter) => void): LentBytes {
  const w = acquire()
  try {
    write(w)
  } catch (error) {
    giveBack(w)
    throw error
  }
  // A class rather than an object literal with a closure: no function is made per answer.
  return new LentBytes(w)
}

/**
 * Escapes character data as `XmlWriter.text` does, for text built as a string (faults, the WSDL's address).
 *
 * @example escapeText('a < b\r\n') === 'a &lt; b&#xD;\n'
 */
export function escapeText(value: string): string {
  return writeXml((w) => w.text(value)).toString('utf8')
}

/** Escapes an attribute value written in double quotes. */
export function escapeAttribute(value: string): string {
  return escapeText(value).replace(/"/g, '&quot;').replace(/\n/g, '&#xA;').replace(/\t/g, '&#x9;')
}
