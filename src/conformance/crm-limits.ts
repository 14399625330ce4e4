/**
 * Limits that break inside SuperOffice rather than on the wire: SuperOffice stores what a connector answers (keys,
 * field metadata, LastModified, configuration values) in its own database, whose columns are shorter than any string
 * a connector may send, and compares and maps what it stored later. An answer that is fine on the wire but breaks
 * one of these fails only when SuperOffice saves it, far from the call that caused it.
 *
 * A {@link CrmLimitWatch} is shown every exchange of a conformance run ({@link CrmLimitWatch.see}) and says at the
 * end ({@link CrmLimitWatch.results}) which limits held, which did not and where, and which field keys look like
 * a CRM field SuperOffice maps automatically without being one.
 */
import type { ErpConnectorWSOperationName, ErpConnectorWSOperations } from '../../generated/service.js'
import type * as T from '../../generated/types.js'
import { parseEncodedDate } from '../encoding/field-values.js'
import type { WallClock } from '../encoding/wall-clock.js'

/**
 * Longest string SuperOffice stores for each of these members (issue #14: its columns hold 254 characters). Keys,
 * field metadata (contract section 4.2) and LastModified (section 9.4) are all stored when a connection is set up
 * or an actor linked.
 */
export const MEMBER_LIMIT = 254
export const LIMITED_MEMBERS = ['ErpKey', 'FieldKey', 'DisplayName', 'DisplayDescription', 'ListName', 'DefaultValue', 'LastModified'] as const
export type LimitedMember = (typeof LIMITED_MEMBERS)[number]
/** Longest configuration value SuperOffice stores for a connection (contract section 9.2; issue #14: 1,023). */
export const CONFIGURATION_VALUE_LIMIT = 1023

/**
 * The CRM field names SuperOffice maps a FieldKey to automatically when they are equal, case-insensitively
 * (contract section 11), by the CRM entity the actor type becomes (section 10.1).
 */
const CONTACT_FIELDS = ['NAME', 'NUMBER1', 'NUMBER2', 'DEPARTMENT', 'PHONE', 'FAX', 'EMAIL', 'URL', 'POSTALAD1', 'POSTALAD2', 'POSTALAD3', 'POSTALZIP', 'POSTALCITY', 'POSTALCOUNTY', 'POSTALSTATE', 'STREETAD1', 'STREETAD2', 'STREETAD3', 'STREETZIP', 'STREETCITY', 'STREETCOUNTY', 'STREETSTATE', 'COUNTRY', 'VATNO']
export const AUTO_MAPPED_FIELDS: ReadonlyMap<string, readonly string[]> = new Map([
  ['Customer', CONTACT_FIELDS],
  ['Supplier', CONTACT_FIELDS],
  ['Partner', CONTACT_FIELDS],
  ['Person', ['FIRSTNAME', 'MIDDLENAME', 'LASTNAME', 'TITLE', 'NUMBER', 'PHONE_DIRECT', 'PHONE_PRIVATE', 'PHONE_MOBILE', 'PHONE_OTHER', 'EMAIL', 'POSITION', 'BIRTHDATE', 'URL', 'POSTALAD1', 'POSTALAD2', 'POSTALAD3', 'POSTALZIP', 'POSTALCITY', 'POSTALSTATE', 'POSTALCOUNTY', 'POSTALCOUNTRY']],
  ['Project', ['NAME', 'TEXT', 'NUMBER', 'URL', 'ENDDATE']],
])

/**
 * ERP column names the SDK sample connector renames to the CRM field names (contract section 12: Nm, Ad1, Zip,
 * City, Address, Phone), as normalised stems: an ERP that keeps its own name for one of these misses the automatic
 * mapping.
 */
const ERP_NAMES_OF: ReadonlyMap<string, string> = new Map([
  ['NM', 'NAME'],
  ['AD', 'POSTALAD'],
  ['ADDRESS', 'POSTALAD'],
  ['ZIP', 'POSTALZIP'],
  ['CITY', 'POSTALCITY'],
  ['PHONE', 'PHONEDIRECT'],
])

/** Upper case without underscores, hyphens, spaces and digits: `Postal_Ad1` and `POSTALAD2` both become `POSTALAD`. */
function stem(key: string): string {
  return key.toUpperCase().replace(/[_\-\s\d]/g, '')
}

/** Optimal string alignment distance: Levenshtein with a swap of two neighbours counted as one edit (TITEL, TITLE). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1)
      d[i]![j] = best
    }
  }
  return d[a.length]![b.length]!
}

/**
 * The CRM field names a FieldKey nearly matches, for an actor type; empty when it matches one exactly (it is then
 * mapped) or none nearly. Nearly: equal once case, underscores and digits are set aside (`Postal_Ad1`), a name the
 * SDK sample renames (`ADDRESS1`), or one or two edits away (`EMAILS`). Edits count only when they are under a third
 * of the CRM name's length, as two edits make any short name into another (`FAX`, `TAX`).
 */
export function nearMisses(actorType: string, fieldKey: string): string[] {
  const names = AUTO_MAPPED_FIELDS.get(actorType) ?? []
  const key = fieldKey.toUpperCase()
  if (names.includes(key)) return []
  const keyStem = stem(key)
  const digits = key.replace(/\D/g, '')
  const renamed = ERP_NAMES_OF.get(keyStem)
  const byStem = names.filter((name) => stem(name) === keyStem || stem(name) === renamed)
  if (byStem.length > 0) {
    // ADDRESS2 is nearest POSTALAD2 of the three POSTALADn; without digits any of them.
    const sameDigits = byStem.filter((name) => name.replace(/\D/g, '') === digits)
    return sameDigits.length > 0 ? sameDigits : byStem
  }
  const compact = key.replace(/[_\-\s]/g, '')
  return names.filter((name) => {
    const distance = editDistance(compact, name.replace(/_/g, ''))
    return distance >= 1 && distance <= 2 && distance * 3 < name.length
  })
}

/** A LastModified as the contract allows it (section 9.4): a whole number, or a date-time SuperOffice reads. */
export type LastModifiedValue = { kind: 'number'; value: bigint } | { kind: 'date-time'; value: WallClock }

export function readLastModified(text: string): LastModifiedValue | undefined {
  const trimmed = text.trim()
  if (/^\d+$/.test(trimmed)) return { kind: 'number', value: BigInt(trimmed) }
  const date = trimmed ? parseEncodedDate(trimmed) : null
  return date ? { kind: 'date-time', value: date } : undefined
}

/** Negative, zero or positive as `a` is older, as old or newer than `b`; undefined when they cannot be compared. */
export function compareLastModified(a: string, b: string): number | undefined {
  const x = readLastModified(a)
  const y = readLastModified(b)
  if (!x || !y || x.kind !== y.kind) return undefined
  if (x.kind === 'number' && y.kind === 'number') return x.value < y.value ? -1 : x.value > y.value ? 1 : 0
  const [p, q] = [x.value as WallClock, y.value as WallClock]
  const order = [p.year - q.year, p.month - q.month, p.day - q.day, p.hour - q.hour, p.minute - q.minute, p.second - q.second, p.ticks - q.ticks]
  return Math.sign(order.find((n) => n !== 0) ?? 0)
}

/** One line of the report this module gives: passed, failed or a warning (which does not fail the run). */
export interface LimitResult {
  check: string
  status: 'passed' | 'failed' | 'warning' | 'skipped'
  expected?: string
  got?: string
  note?: string
}

interface Seen {
  /** Where the value was seen, e.g. `WSGetActors: Customer 17`. */
  where: string
  value: string
}

type Exchange<K extends ErpConnectorWSOperationName> = [operation: K, request: ErpConnectorWSOperations[K]['request'], response: ErpConnectorWSOperations[K]['response']]
type AnyExchange = { [K in ErpConnectorWSOperationName]: Exchange<K> }[ErpConnectorWSOperationName]

const WRITES: ReadonlySet<string> = new Set(['WSCreateActor', 'WSSaveActors'])
const CONFIGURATION_SENDS: ReadonlySet<string> = new Set(['WSTestConfigData', 'WSSaveConnection'])

/** Collects what the limits apply to from every exchange of a run. */
export class CrmLimitWatch {
  private readonly members = new Map<LimitedMember, Seen[]>(LIMITED_MEMBERS.map((m) => [m, []]))
  private answers = 0
  private readonly configuration = new Map<string, Seen>()
  private readonly configDefaults = new Map<string, string>()
  private readonly lastModified: Seen[] = []
  /** LastModified of each actor a write answered with, in the order the writes were answered. */
  private readonly saved: Seen[] = []
  /** Every field list asked for, by actor type, in the order asked. */
  private readonly fieldLists = new Map<string, string[][]>()

  /** Records one exchange: the request the kit sent and the response it read. */
  see<K extends ErpConnectorWSOperationName>(operation: K, request: ErpConnectorWSOperations[K]['request'], response: ErpConnectorWSOperations[K]['response']): void {
    this.seeExchange([operation, request, response] as AnyExchange)
  }

  private seeExchange([operation, request, response]: AnyExchange): void {
    this.answers++
    if (CONFIGURATION_SENDS.has(operation)) {
      const info = (request as T.TestConfigDataRequest | T.SaveConnectionRequest).ConnectionInfo
      for (const [key, value] of info ?? []) {
        if (value !== null) this.configuration.set(key, { where: this.configDefaults.get(key) === value ? `${key} (its default)` : key, value })
      }
    }
    if ('FieldMetaDataObjects' in response) {
      const fields = (response.FieldMetaDataObjects ?? []).filter((f): f is T.FieldMetadataInfoWS => f !== null)
      const actorType = operation === 'WSGetSupportedActorTypeFields' ? (request as T.GetSupportedActorTypeFieldsRequest).ActorType ?? '' : undefined
      const owner = actorType === undefined ? 'configuration field' : `${actorType} field`
      fields.forEach((field, i) => {
        const where = `${operation}: ${owner} ${field.FieldKey ? field.FieldKey.slice(0, 40) : `#${i + 1}`}`
        for (const member of ['FieldKey', 'DisplayName', 'DisplayDescription', 'ListName', 'DefaultValue'] as const) this.member(member, where, field[member])
        if (actorType === undefined && field.FieldKey && field.DefaultValue) this.configDefaults.set(field.FieldKey, field.DefaultValue)
      })
      if (actorType !== undefined && response.State !== 'Error') {
        const lists = this.fieldLists.get(actorType) ?? []
        lists.push(fields.map((f) => f.FieldKey ?? ''))
        this.fieldLists.set(actorType, lists)
      }
    }
    if (operation === 'WSGetSearchableFields') for (const key of response.Items ?? []) this.member('FieldKey', `${operation}: ${request.ActorType}`, key)
    const actors = 'Actors' in response ? response.Actors ?? [] : 'Actor' in response ? [response.Actor] : []
    for (const actor of actors) {
      if (!actor) continue
      const where = `${operation}: ${actor.ActorType} ${(actor.ErpKey ?? '').slice(0, 40)}`
      this.member('ErpKey', where, actor.ErpKey)
      this.member('ErpKey', `${where} (ParentErpKey)`, actor.ParentErpKey)
      this.member('LastModified', where, actor.LastModified)
      for (const key of actor.FieldValues?.keys() ?? []) this.member('FieldKey', `${where} (FieldValues)`, key)
      // Every actor answered counts, new or read: an empty LastModified is one SuperOffice cannot compare.
      this.lastModified.push({ where, value: actor.LastModified ?? '' })
      if (WRITES.has(operation) && response.State !== 'Error') this.saved.push({ where, value: actor.LastModified ?? '' })
    }
  }

  private member(member: LimitedMember, where: string, value: string | null | undefined): void {
    if (value) this.members.get(member)!.push({ where, value })
  }

  /** The report's lines: one per limit, each a pass, a failure naming where it broke, or a skip; then the warnings. */
  results(): LimitResult[] {
    const results: LimitResult[] = []
    for (const member of LIMITED_MEMBERS) {
      const values = this.members.get(member)!
      results.push(lengthResult(`${member} at most ${MEMBER_LIMIT} characters`, values, MEMBER_LIMIT, `${counted(values.length, 'value')} in ${counted(this.answers, 'answer')}`))
    }
    const configuration = [...this.configuration.values()]
    if (configuration.length > 0) results.push(lengthResult(`configuration values at most ${CONFIGURATION_VALUE_LIMIT.toLocaleString('en')} characters`, configuration, CONFIGURATION_VALUE_LIMIT, counted(configuration.length, 'value')))
    results.push(...this.lastModifiedResults())
    for (const [actorType, lists] of this.fieldLists) {
      const check = `field keys of ${actorType} are the same when asked again`
      const [first, ...later] = lists
      if (!first || later.length === 0) {
        results.push({ check, status: 'skipped', note: 'asked once' })
        continue
      }
      const changed = later.find((keys) => keys.join('\n') !== first.join('\n'))
      results.push(
        changed
          ? { check, status: 'failed', expected: `the same keys in the same order (SuperOffice drops the mappings of keys that change, contract section 11): ${first.join(', ')}`, got: changed.join(', ') }
          : { check, status: 'passed', note: `asked ${lists.length} times` },
      )
    }
    for (const [actorType, lists] of this.fieldLists) {
      for (const key of lists[0] ?? []) {
        const near = nearMisses(actorType, key)
        if (near.length === 0) continue
        results.push({
          check: `${actorType} field ${key} is not mapped automatically`,
          status: 'warning',
          expected: `${near.join(' or ')}, the CRM field SuperOffice maps automatically (contract section 11), if that is what ${key} holds`,
          got: key,
        })
      }
    }
    return results
  }

  private lastModifiedResults(): LimitResult[] {
    const parses = 'LastModified is a number or a date-time'
    const comparable = 'LastModified comparable across actors'
    const ordered = 'LastModified of an actor saved later is not less than of one saved earlier'
    if (this.lastModified.length === 0) return [parses, comparable, ordered].map((check) => ({ check, status: 'skipped', note: 'no actor was answered' }))
    const results: LimitResult[] = []
    const unreadable = this.lastModified.filter((s) => !readLastModified(s.value))
    results.push(
      unreadable.length > 0
        ? { check: parses, status: 'failed', expected: 'a whole number or a date-time such as 2013-05-13T13:50:48 (contract section 9.4)', got: listed(unreadable.map((s) => `${s.where}: ${quote(s.value)}`)) }
        : { check: parses, status: 'passed', note: counted(this.lastModified.length, 'value') },
    )
    const kinds = new Map<string, Seen>()
    for (const seen of this.lastModified) {
      const kind = readLastModified(seen.value)?.kind
      if (kind && !kinds.has(kind)) kinds.set(kind, seen)
    }
    results.push(
      kinds.size > 1
        ? { check: comparable, status: 'failed', expected: 'all numbers or all date-times, so that any two compare (contract section 9.4)', got: [...kinds].map(([kind, s]) => `${kind} ${quote(s.value)} (${s.where})`).join(' and ') }
        : { check: comparable, status: 'passed' },
    )
    if (this.saved.length < 2) results.push({ check: ordered, status: 'skipped', note: this.saved.length === 0 ? 'no actor was saved' : 'one actor was saved' })
    else {
      let newest = this.saved[0]!
      const backwards: string[] = []
      for (const seen of this.saved.slice(1)) {
        const order = compareLastModified(seen.value, newest.value)
        if (order !== undefined && order < 0) backwards.push(`${seen.where}: ${quote(seen.value)}, after ${newest.where}: ${quote(newest.value)}`)
        if (order !== undefined && order > 0) newest = seen
      }
      results.push(
        backwards.length > 0
          ? { check: ordered, status: 'failed', expected: 'each save answered with a LastModified at or after every earlier one (contract section 9.4: global, incremental)', got: listed(backwards) }
          : { check: ordered, status: 'passed', note: counted(this.saved.length, 'save') },
      )
    }
    return results
  }
}

function lengthResult(check: string, values: Seen[], limit: number, note: string): LimitResult {
  const over = values.filter((s) => s.value.length > limit)
  if (over.length === 0) return { check, status: 'passed', note }
  return { check, status: 'failed', expected: `at most ${limit.toLocaleString('en')} characters (longer is cut or refused when SuperOffice stores it)`, got: listed(over.map((s) => `${s.where}: ${s.value.length.toLocaleString('en')} characters, ${quote(s.value)}`)) }
}

/** A value in a report line: quoted, and cut to its start when long (the lengths checked run to thousands). */
function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
}

function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}

/** The first few of a list, and how many more. */
function listed(items: string[]): string {
  const shown = items.slice(0, 3).join('; ')
  return items.length > 3 ? `${shown}; and ${items.length - 3} more` : shown
}
