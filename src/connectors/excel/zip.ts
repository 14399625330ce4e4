/**
 * The JSZip that sheetjs-style ships and writes with (version 2, synchronous), typed for the little used of it:
 * reading and replacing parts of an .xlsx package that sheetjs cannot write itself (frozen panes).
 */
import { createRequire } from 'node:module'

export interface ZipPart {
  asText(): string
}

export interface Zip {
  file(name: string): ZipPart | null
  file(name: string, content: string): Zip
  generate(options: { type: 'nodebuffer'; compression: 'DEFLATE' }): Buffer
}

const JSZip = createRequire(import.meta.url)('sheetjs-style/jszip.js') as new (data: Buffer) => Zip

export function openZip(bytes: Buffer): Zip {
  return new JSZip(bytes)
}
