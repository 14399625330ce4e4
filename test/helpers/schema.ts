/**
 * Validates XML against the schemas embedded in the WSDL with xmllint (libxml2), a validator independent of ours.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PROJECT_ROOT } from '../../src/server.js'

export const XMLLINT = '/usr/bin/xmllint'
const ARRAYS = 'http://schemas.microsoft.com/2003/10/Serialization/Arrays'

/** Writes each embedded xs:schema to its own file (imports pointed at each other) and returns the main one. */
export function extractSchemas(wsdl = readFileSync(path.join(PROJECT_ROOT, 'wsdl/ErpConnectorWS.wsdl'), 'utf8')): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'erp-xsd-'))
  const root = /<wsdl:definitions([^>]*)>/.exec(wsdl)![1]!
  const inherited = [...root.matchAll(/\sxmlns:(\w+)="([^"]*)"/g)]
  const schemas = [...wsdl.matchAll(/<xs:schema[\s\S]*?<\/xs:schema>/g)].map((m) => m[0])
  let main = ''
  for (const schema of schemas) {
    const target = /targetNamespace="([^"]*)"/.exec(schema)![1]!
    const file = path.join(dir, target === ARRAYS ? 'arrays.xsd' : 'main.xsd')
    // Namespace declarations made on wsdl:definitions are in scope for the schema there; repeat them here.
    const opening = /<xs:schema[^>]*>/.exec(schema)![0]
    const missing = inherited.filter(([, prefix]) => !new RegExp(`xmlns:${prefix}=`).test(opening)).map((m) => m[0]).join('')
    const text = schema
      .replace(/<xs:schema/, `<xs:schema${missing}`)
      .replace(`<xs:import namespace="${ARRAYS}"/>`, `<xs:import namespace="${ARRAYS}" schemaLocation="arrays.xsd"/>`)
    writeFileSync(file, `<?xml version="1.0" encoding="utf-8"?>\n${text}\n`)
    if (target !== ARRAYS) main = file
  }
  return main
}

/** Validates one XML document; returns xmllint's complaint, or '' when valid. */
export function validate(schema: string, xml: string): string {
  const result = spawnSync(XMLLINT, ['--noout', '--schema', schema, '-'], { input: xml, encoding: 'utf8' })
  if (result.error) throw new Error(`xmllint could not run (apt-get install libxml2-utils): ${result.error.message}`)
  return result.status === 0 ? '' : `${result.stderr}`.trim()
}

/** The body element of an envelope as a document of its own (everything it needs is declared inside it). */
export function bodyDocument(envelopeText: string): string {
  const m = /<(?:\w+:)?Body[^>]*>([\s\S]*)<\/(?:\w+:)?Body>/.exec(envelopeText)
  if (!m) throw new Error('no Body')
  return m[1]!
}
