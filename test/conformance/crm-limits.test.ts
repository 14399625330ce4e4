// The CRM limits of the conformance kit, answer by answer: given what a connector answered, the failures and
// warnings the kit reports (and nothing else failing).
import t from 'tap'
import type * as T from '../../generated/types.js'
import { compareLastModified, CrmLimitWatch, editDistance, nearMisses, readLastModified } from '../../src/conformance/crm-limits.js'

const long = (n: number, c = 'x') => c.repeat(n)
const field = (key: string, more: Partial<T.FieldMetadataInfoWS> = {}): T.FieldMetadataInfoWS => ({ FieldKey: key, DisplayName: key, FieldType: 'Text', Access: 'Normal', Rank: 1, MaxLength: 0, ...more })
const actor = (type: string, key: string, lastModified: string, values: Record<string, string> = {}, more: Partial<T.ErpActorWS> = {}): T.ErpActorWS => ({
  ActorType: type,
  ErpKey: key,
  FieldValues: new Map(Object.entries(values)),
  LastModified: lastModified,
  ParentActorType: 'Unknown',
  ParentErpKey: '',
  ...more,
})

type Step = (watch: CrmLimitWatch) => void
const configData = (fields: T.FieldMetadataInfoWS[]): Step => (w) => w.see('WSGetConfigData', {}, { State: 'Ok', FieldMetaDataObjects: fields })
const saveConnection = (info: Record<string, string>): Step => (w) => w.see('WSSaveConnection', { ConnectionGuid: 'g', ConnectionInfo: new Map(Object.entries(info)) }, { State: 'Ok' })
const fieldsOf = (actorType: string, fields: T.FieldMetadataInfoWS[]): Step => (w) => w.see('WSGetSupportedActorTypeFields', { ConnectionGuid: 'g', ActorType: actorType }, { State: 'Ok', FieldMetaDataObjects: fields })
const searchable = (actorType: string, keys: string[]): Step => (w) => w.see('WSGetSearchableFields', { ConnectionGuid: 'g', ActorType: actorType }, { State: 'Ok', Items: keys })
const created = (a: T.ErpActorWS): Step => (w) => w.see('WSCreateActor', { ConnectionGuid: 'g', Actor: { ...a, ErpKey: '', LastModified: '' } }, { State: 'Ok', Actor: a })
const saved = (...actors: T.ErpActorWS[]): Step => (w) => w.see('WSSaveActors', { ConnectionGuid: 'g', Actors: actors }, { State: 'Ok', Actors: actors })
const read = (...actors: T.ErpActorWS[]): Step => (w) => w.see('WSGetActors', { ConnectionGuid: 'g', ActorType: actors[0]?.ActorType ?? '', ErpKeys: [], FieldKeys: [] }, { State: 'Ok', Actors: actors })

const goodCustomer = [field('NAME'), field('POSTALCITY'), field('CustGr', { FieldType: 'List', ListName: 'CustomerGroup', DefaultValue: '1' })]

interface Case {
  name: string
  steps: Step[]
  failures?: string[]
  warnings?: string[]
  /** A report line's `got` must say this (where and how long). */
  got?: RegExp
}

const cases: Case[] = [
  {
    name: 'a connector within every limit',
    steps: [configData([field('Filename', { DefaultValue: 'kit.xlsx' })]), saveConnection({ Filename: 'kit.xlsx' }), fieldsOf('Customer', goodCustomer), searchable('Customer', ['NAME']), created(actor('Customer', '17', '2026-12-01T10:00:00', { NAME: 'A' })), saved(actor('Customer', '17', '2026-12-01T10:00:01')), fieldsOf('Customer', goodCustomer)],
  },
  { name: 'a DisplayName of 300 characters', steps: [fieldsOf('Customer', [field('NAME', { DisplayName: long(300) })])], failures: ['DisplayName at most 254 characters'], got: /WSGetSupportedActorTypeFields: Customer field NAME: 300 characters, "x{40}…"/ },
  { name: 'a DisplayName of exactly 254 characters', steps: [fieldsOf('Customer', [field('NAME', { DisplayName: long(254) })])] },
  { name: 'a multi-language DisplayName counts whole', steps: [fieldsOf('Customer', [field('NAME', { DisplayName: `US:"${long(130)}";NO:"${long(130)}"` })])], failures: ['DisplayName at most 254 characters'] },
  { name: 'characters, not bytes: 254 letters ø are within', steps: [fieldsOf('Customer', [field('NAME', { DisplayDescription: long(254, 'ø') })])] },
  { name: 'a DisplayDescription of 255', steps: [fieldsOf('Customer', [field('NAME', { DisplayDescription: long(255) })])], failures: ['DisplayDescription at most 254 characters'] },
  { name: 'a ListName of 255', steps: [fieldsOf('Customer', [field('Group', { FieldType: 'List', ListName: long(255) })])], failures: ['ListName at most 254 characters'] },
  { name: 'a DefaultValue of 255 on a configuration field', steps: [configData([field('Server', { DefaultValue: long(255) })])], failures: ['DefaultValue at most 254 characters'], got: /WSGetConfigData: configuration field Server: 255 characters/ },
  { name: 'a FieldKey of 255 in a field list', steps: [fieldsOf('Customer', [field(long(255), { DisplayName: 'Long' })])], failures: ['FieldKey at most 254 characters'] },
  { name: 'a FieldKey of 255 among searchable fields', steps: [searchable('Customer', [long(255)])], failures: ['FieldKey at most 254 characters'] },
  { name: 'a FieldKey of 255 in FieldValues', steps: [read(actor('Customer', '1', '2026-12-01T10:00:00', { [long(255)]: 'v' }))], failures: ['FieldKey at most 254 characters'] },
  { name: 'an ErpKey of 255', steps: [read(actor('Customer', long(255), '2026-12-01T10:00:00'))], failures: ['ErpKey at most 254 characters'] },
  { name: 'a ParentErpKey of 255', steps: [read(actor('Person', '1', '2026-12-01T10:00:00', {}, { ParentActorType: 'Customer', ParentErpKey: long(255) }))], failures: ['ErpKey at most 254 characters'], got: /\(ParentErpKey\)/ },
  {
    name: 'a LastModified of 255 digits',
    steps: [read(actor('Customer', '1', long(255, '1')))],
    failures: ['LastModified at most 254 characters'],
  },
  { name: 'a configuration value of 1,024 characters sent', steps: [saveConnection({ Server: long(1024) })], failures: ['configuration values at most 1,023 characters'], got: /Server: 1,024 characters/ },
  { name: 'a configuration value of 1,023 characters sent', steps: [saveConnection({ Server: long(1023) })] },
  {
    name: 'a long configuration value that is the default is named so',
    steps: [configData([field('Server', { DefaultValue: long(1100) })]), saveConnection({ Server: long(1100) })],
    failures: ['DefaultValue at most 254 characters', 'configuration values at most 1,023 characters'],
    got: /Server \(its default\): 1,100 characters/,
  },
  { name: 'a LastModified that is not a date or number', steps: [read(actor('Customer', '1', 'yesterday'))], failures: ['LastModified is a number or a date-time'], got: /WSGetActors: Customer 1: "yesterday"/ },
  { name: 'an empty LastModified', steps: [read(actor('Customer', '1', ''))], failures: ['LastModified is a number or a date-time'] },
  { name: 'numbers and date-times mixed', steps: [read(actor('Customer', '1', '103423595'), actor('Customer', '2', '2013-05-13T13:50:48'))], failures: ['LastModified comparable across actors'] },
  { name: 'numbers throughout', steps: [created(actor('Customer', '1', '103423595')), created(actor('Customer', '2', '103423596'))] },
  { name: 'encoded and ISO date-times compare', steps: [created(actor('Customer', '1', '[DT:05/13/2013 13:50:48.0000000]')), created(actor('Customer', '2', '2013-05-13T13:50:49.123Z'))] },
  {
    name: 'an actor saved later with an older LastModified',
    steps: [created(actor('Customer', '1', '2026-12-01T10:00:05')), created(actor('Person', '7', '2026-12-01T10:00:01'))],
    failures: ['LastModified of an actor saved later is not less than of one saved earlier'],
    got: /WSCreateActor: Person 7: "2026-12-01T10:00:01", after WSCreateActor: Customer 1: "2026-12-01T10:00:05"/,
  },
  { name: 'saves in the same second', steps: [created(actor('Customer', '1', '2026-12-01T10:00:05')), created(actor('Person', '7', '2026-12-01T10:00:05')), saved(actor('Customer', '1', '2026-12-01T10:00:06'))] },
  { name: 'reads in any order', steps: [read(actor('Customer', '2', '2026-12-01T10:00:05'), actor('Customer', '1', '2026-12-01T09:00:00'))] },
  { name: 'a field list in another order the second time', steps: [fieldsOf('Customer', goodCustomer), fieldsOf('Customer', [...goodCustomer].reverse())], failures: ['field keys of Customer are the same when asked again'] },
  { name: 'a field renamed the second time', steps: [fieldsOf('Customer', goodCustomer), fieldsOf('Customer', [field('NAME'), field('CITY'), goodCustomer[2]!])], failures: ['field keys of Customer are the same when asked again'], warnings: [] },
  { name: 'ADDRESS1 on a Customer', steps: [fieldsOf('Customer', [field('NAME'), field('ADDRESS1')])], warnings: ['Customer field ADDRESS1 is not mapped automatically'], got: /^ADDRESS1$/ },
  {
    name: 'near-misses by case, underscores, digits and edits',
    steps: [fieldsOf('Customer', [field('Postal_Ad2'), field('EMAILS'), field('name'), field('TAX'), field('CustNo')]), fieldsOf('Person', [field('Phone'), field('FIRST_NAME'), field('TITEL'), field('EMAIL')]), fieldsOf('Project', [field('Description'), field('TEXT')])],
    warnings: ['Customer field Postal_Ad2 is not mapped automatically', 'Customer field EMAILS is not mapped automatically', 'Person field Phone is not mapped automatically', 'Person field FIRST_NAME is not mapped automatically', 'Person field TITEL is not mapped automatically'],
  },
]

for (const c of cases) {
  t.test(c.name, async (t) => {
    const watch = new CrmLimitWatch()
    for (const step of c.steps) step(watch)
    const results = watch.results()
    t.same(results.filter((r) => r.status === 'failed').map((r) => r.check), c.failures ?? [], 'failures')
    t.same(results.filter((r) => r.status === 'warning').map((r) => r.check), c.warnings ?? [], 'warnings')
    if (c.got) t.ok(results.some((r) => r.status !== 'passed' && c.got!.test(r.got ?? '')), `a line says ${c.got}: ${JSON.stringify(results.filter((r) => r.got).map((r) => r.got))}`)
    for (const r of results.filter((r) => r.status === 'failed' || r.status === 'warning')) t.ok(r.expected && r.got, `${r.check} says what was expected and what came`)
  })
}

t.test('each limit is one line, passed with what it covered', async (t) => {
  const watch = new CrmLimitWatch()
  fieldsOf('Customer', goodCustomer)(watch)
  const lines = watch.results()
  for (const member of ['ErpKey', 'FieldKey', 'DisplayName', 'DisplayDescription', 'ListName', 'DefaultValue', 'LastModified']) {
    t.equal(lines.filter((r) => r.check === `${member} at most 254 characters`).length, 1, member)
  }
  t.match(lines.find((r) => r.check === 'FieldKey at most 254 characters'), { status: 'passed', note: '3 values in 1 answer' })
  t.same(lines.filter((r) => r.status === 'skipped').map((r) => r.check), [
    'LastModified is a number or a date-time',
    'LastModified comparable across actors',
    'LastModified of an actor saved later is not less than of one saved earlier',
    'field keys of Customer are the same when asked again',
  ])
})

t.test('near-misses name the CRM field to use', async (t) => {
  const table: Array<[string, string, string[]]> = [
    ['Customer', 'ADDRESS1', ['POSTALAD1']],
    ['Customer', 'Address3', ['POSTALAD3']],
    ['Customer', 'Postal_Ad1', ['POSTALAD1']],
    ['Customer', 'Address', ['POSTALAD1', 'POSTALAD2', 'POSTALAD3']],
    ['Customer', 'Ad1', ['POSTALAD1']],
    ['Supplier', 'Zip', ['POSTALZIP']],
    ['Partner', 'City', ['POSTALCITY']],
    ['Customer', 'Nm', ['NAME']],
    ['Customer', 'NUMBER', ['NUMBER1', 'NUMBER2']],
    ['Customer', 'POSTALAD1', []],
    ['Customer', 'postalad1', []],
    ['Customer', 'PHONE', []],
    ['Person', 'PHONE', ['PHONE_DIRECT']],
    ['Person', 'PhoneMobile', ['PHONE_MOBILE']],
    ['Person', 'LASTNAME', []],
    ['Person', 'LAST_NAME', ['LASTNAME']],
    ['Person', 'BIRTHDAY', ['BIRTHDATE']],
    ['Project', 'END_DATE', ['ENDDATE']],
    ['Project', 'ProjNo', []],
    ['Customer', 'FAX', []],
    ['Customer', 'TAX', []],
    ['Customer', 'URI', []],
    ['Customer', 'VAT_NO', ['VATNO']],
    ['Employee', 'NAME', []],
  ]
  for (const [type, key, want] of table) t.same(nearMisses(type, key), want, `${type} ${key}`)
})

t.test('edit distance counts a swap of neighbours as one', async (t) => {
  const table: Array<[string, string, number]> = [
    ['TITLE', 'TITEL', 1],
    ['EMAIL', 'EMAILS', 1],
    ['NAME', 'NAME', 0],
    ['', 'ABC', 3],
    ['KITTEN', 'SITTING', 3],
  ]
  for (const [a, b, want] of table) t.equal(editDistance(a, b), want, `${a} ${b}`)
})

t.test('LastModified reads and compares as the contract allows', async (t) => {
  t.match(readLastModified('103423595'), { kind: 'number' })
  t.match(readLastModified('2013-05-13T13:50:48'), { kind: 'date-time' })
  t.match(readLastModified('[DT:05/13/2013 13:50:48.0000000]'), { kind: 'date-time' })
  t.equal(readLastModified(''), undefined)
  t.equal(readLastModified('version 3'), undefined)
  const table: Array<[string, string, number | undefined]> = [
    ['9', '10', -1],
    ['100000000000000000001', '100000000000000000000', 1],
    ['2013-05-13T13:50:48', '2013-05-13T13:50:48', 0],
    ['2013-05-13T13:50:48.0000001', '2013-05-13T13:50:48', 1],
    ['2013-05-13T13:50:48', '[DT:05/13/2013 13:50:49.0000000]', -1],
    ['2026-12-01T18:00:00.001Z', '2026-12-01T18:00:00.000Z', 1],
    ['10', '2013-05-13T13:50:48', undefined],
    ['later', 'sooner', undefined],
  ]
  for (const [a, b, want] of table) t.equal(compareLastModified(a, b), want, `${a} vs ${b}`)
})
