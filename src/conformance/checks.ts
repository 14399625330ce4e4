/**
 * The wire checks the kit makes on every answer, named so that a connector author can find what to fix:
 * transport, envelope, wrapper, part order, data-contract member order, IsOk/State consistency.
 */
import { OPERATIONS, RESULT_BASE, TYPES } from '../../generated/contract.js'
import { ErpConnectorWS, type ErpConnectorWSOperationName } from '../../generated/service.js'
import type * as T from '../../generated/types.js'
import type { XmlElement } from '../soap/xml.js'
import type { Exchange } from './client.js'
import type { Report } from './report.js'

export const TNS = ErpConnectorWS.namespace
export const ARRAYS = 'http://schemas.microsoft.com/2003/10/Serialization/Arrays'
const BASE: readonly string[] = RESULT_BASE.members
const ACTOR_MEMBERS: readonly string[] = TYPES.ErpActorWS.members
const FIELD_MEMBERS: readonly string[] = TYPES.FieldMetadataInfoWS.members

const names = (el: XmlElement) => el.children.map((c) => c.name).join(', ') || '(nothing)'

/**
 * Checks one answer's wire form. A clean answer is one report line (`${operation}: wire format`); each failing
 * check is a line of its own, named. Returns false if any failed.
 */
export function checkWire(report: Report, operation: ErpConnectorWSOperationName, exchange: Exchange, wrapper: XmlElement): boolean {
  const op = ErpConnectorWS.operations[operation]
  let passed = 0
  let ok = true
  const expect = (what: string, condition: boolean, expected: string, got: () => string) => {
    if (condition) passed++
    else {
      ok = false
      report.fail(`${operation}: ${what}`, expected, got())
    }
  }
  expect('HTTP 200', exchange.status === 200, '200', () => String(exchange.status))
  expect(
    'Content-Type text/xml; charset=utf-8',
    /^text\/xml;\s*charset="?utf-8"?$/i.test(exchange.contentType.trim()),
    'text/xml; charset=utf-8',
    () => exchange.contentType || '(none)',
  )
  expect('no byte order mark', !(exchange.bytes[0] === 0xef && exchange.bytes[1] === 0xbb && exchange.bytes[2] === 0xbf), 'the body starts with <', () => 'EF BB BF')
  expect(
    `wrapper <${op.responseElement}> in ${TNS}`,
    wrapper.name === op.responseElement && wrapper.ns === TNS,
    `<${op.responseElement}> in ${TNS}`,
    () => `<${wrapper.name}> in ${wrapper.ns || '(no namespace)'}`,
  )
  const payload: string | null = OPERATIONS[operation].payload
  const wanted = payload ? [...BASE, payload] : BASE
  const parts = wrapper.children.filter((c) => c.ns === TNS).map((c) => c.name)
  expect('parts in wire order', parts.join() === wanted.join(), wanted.join(', '), () => names(wrapper))
  const strayNs = wrapper.children.filter((c) => c.ns !== TNS)
  expect('every part in the contract namespace', strayNs.length === 0, TNS, () => strayNs.map((c) => `<${c.name}> in ${c.ns || '(no namespace)'}`).join(', '))
  const part = (name: string) => wrapper.children.find((c) => c.name === name && c.ns === TNS)
  const state = part('State')?.text.trim()
  const isOk = part('IsOk')?.text.trim()
  expect('State is Ok, OkWithInfo, Warning or Error', ['Ok', 'OkWithInfo', 'Warning', 'Error'].includes(state ?? ''), 'one of Ok, OkWithInfo, Warning, Error', () => state ?? '(missing)')
  expect('IsOk agrees with State (IsOk=false exactly when State=Error)', (isOk === 'false' || isOk === '0') === (state === 'Error') && isOk !== undefined, `IsOk=${state === 'Error' ? 'false' : 'true'} with State=${state}`, () => `IsOk=${isOk ?? '(missing)'}`)
  const data = payload ? part(payload) : undefined
  if (data && !data.nil) {
    if (payload === 'Actors' || payload === 'Actor') {
      const actors = payload === 'Actor' ? [data] : data.children
      const wrong = actors.filter((a) => !a.nil && a.children.map((c) => c.name).join() !== ACTOR_MEMBERS.join())
      expect('ErpActorWS members in alphabetical order', wrong.length === 0, ACTOR_MEMBERS.join(', '), () => names(wrong[0]!))
      const badItems = payload === 'Actors' ? data.children.filter((c) => c.name !== 'ErpActorWS' || c.ns !== TNS) : []
      expect('actors are <ErpActorWS> items', badItems.length === 0, `<ErpActorWS> in ${TNS}`, () => badItems.map((c) => `<${c.name}> in ${c.ns}`).join(', '))
      const dictionaries = actors.flatMap((a) => a.children.filter((c) => c.name === 'FieldValues'))
      checkDictionary(dictionaries, (what, condition, expected, got) => expect(`FieldValues ${what}`, condition, expected, got))
    }
    if (payload === 'FieldMetaDataObjects') {
      const wrong = data.children.filter((f) => !f.nil && f.children.map((c) => c.name).join() !== FIELD_MEMBERS.join())
      expect('FieldMetadataInfoWS members in alphabetical order', wrong.length === 0, FIELD_MEMBERS.join(', '), () => names(wrong[0]!))
    }
    if (payload === 'Items') {
      const bad = data.children.filter((c) => c.name !== 'string' || c.ns !== ARRAYS)
      expect('Items are <string> in the Arrays namespace', bad.length === 0, `<string> in ${ARRAYS}`, () => bad.map((c) => `<${c.name}> in ${c.ns}`).join(', '))
    }
    if (payload === 'ListItems') checkDictionary([data], (what, condition, expected, got) => expect(`ListItems ${what}`, condition, expected, got))
  }
  if (ok) report.pass(`${operation}: wire format`, `${passed} checks, ${exchange.ms.toFixed(0)} ms`)
  return ok
}

function checkDictionary(dictionaries: XmlElement[], expect: (what: string, ok: boolean, expected: string, got: () => string) => void): void {
  const entries = dictionaries.flatMap((d) => d.children)
  const bad = entries.filter(
    (e) => e.name !== 'KeyValueOfstringstring' || e.ns !== ARRAYS || e.children.map((c) => `${c.ns === ARRAYS ? '' : '!'}${c.name}`).join() !== 'Key,Value',
  )
  expect('entries are <KeyValueOfstringstring><Key/><Value/> in the Arrays namespace', bad.length === 0, `<KeyValueOfstringstring> with <Key> then <Value>, in ${ARRAYS}`, () =>
    bad.slice(0, 2).map((e) => `<${e.name} ns=${e.ns}>${e.children.map((c) => `<${c.name} ns=${c.ns}>`).join('')}`).join(' '),
  )
}

const ENCODED: Partial<Record<T.FieldMetadataTypeInfoWS, RegExp>> = {
  Integer: /^\[I:[+-]?\d+\]$/,
  Checkbox: /^\[I:[01]\]$/,
  Double: /^\[F:(\d{1,2}:)?[+-]?(\d+\.?\d*|\.\d+)([Ee][+-]?\d+)?\]$/,
  Datetime: /^\[(DT|D):\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}(\.\d{1,7})?\]$/,
}

/** Is a field value in the encoding its field type asks for (contract section 9)? Empty is always allowed. */
export function encodedAsTyped(type: T.FieldMetadataTypeInfoWS | undefined, value: string | null): boolean {
  if (value === null || value === '' || !type) return true
  return ENCODED[type]?.test(value) ?? true
}

export const ENCODING_EXAMPLES: Partial<Record<T.FieldMetadataTypeInfoWS, string>> = {
  Integer: '[I:42]',
  Checkbox: '[I:1] or [I:0]',
  Double: '[F:12.5]',
  Datetime: '[DT:12/31/2013 23:59:59.0000000]',
}

