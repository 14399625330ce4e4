/**
 * The conformance kit: plays SuperOffice against any IErpConnectorWS endpoint, in SuperOffice's order (contract
 * section 7), and reports every check by name. A failing step is reported and the kit goes on where it can;
 * steps that need what failed are reported as skipped.
 */
import { randomUUID } from 'node:crypto'
import { ErpConnectorWS, type ErpConnectorWSOperationName, type ErpConnectorWSOperations } from '../../generated/service.js'
import type * as T from '../../generated/types.js'
import { ACTOR_TYPES } from '../connector/host.js'
import { EMPTY_GUID } from '../connector/guid.js'
import { parseEncoded } from '../encoding/encoded-tags.js'
import { checkWire, ENCODING_EXAMPLES, encodedAsTyped } from './checks.js'
import { KitClient } from './client.js'
import { compareLastModified, CrmLimitWatch } from './crm-limits.js'
import { onlineFlow, type OnlineKitOptions } from './online.js'
import { Report } from './report.js'

export interface KitOptions {
  /** The endpoint, e.g. http://host:8080/ErpConnectorWS.svc (with ?ConnectorName= if needed). */
  url: string
  /** Configuration values to use on top of the connector's defaults (--config Key=Value). */
  config: Map<string, string>
  /** Read-only mode for a connector on a production ERP: no actor is created or saved. */
  noWrites: boolean
  traceDir?: string | undefined
  timeoutMs: number
  print: (line: string) => void
  /** Play CRM Online's authorization service first (Authenticate); unset, that flow is left out. */
  online?: OnlineKitOptions | undefined
}

type Response<K extends ErpConnectorWSOperationName> = ErpConnectorWSOperations[K]['response']
type Fields = T.FieldMetadataInfoWS[]
type Lists = Map<string, Map<string, string | null>>

const COMPANY_TYPES = ['Customer', 'Supplier', 'Partner']

/**
 * @example
 * const report = await runConformance({ url, config: new Map([['Filename', 'kit.xlsx']]), noWrites: false, timeoutMs: 30000, print: console.log })
 * console.log(report.summary())
 */
export async function runConformance(options: KitOptions): Promise<Report> {
  const report = new Report(options.print)
  const client = new KitClient(options.url, { traceDir: options.traceDir, timeoutMs: options.timeoutMs })
  const run: KitRun = { report, client, limits: new CrmLimitWatch() }
  try {
    if (options.online) await onlineFlow(report, options.url, options.online, options.timeoutMs)
    await flows(run, options)
    crmLimitsFlow(report, run.limits)
  } finally {
    client.close()
  }
  return report
}

/** What every step of a run uses: where it reports, how it calls the connector, what watches the CRM limits. */
interface KitRun {
  report: Report
  client: KitClient
  limits: CrmLimitWatch
}

/** SuperOffice's flows in its order (contract section 7); what a flow found is handed to the flows after it. */
async function flows(run: KitRun, options: KitOptions): Promise<void> {
  const connection = await adminSetupFlow(run, options.config)
  if (!connection) return
  const metadata = await metadataFlow(run, connection.guid)
  const { companyType, company } = await crmUseFlow(run, connection.guid, metadata, options.noWrites)
  await syncFlow(run, connection.guid, metadata, companyType, company)
  await errorSemanticsFlow(run, connection.guid, metadata.types, connection.connected)
}

/** Calls an operation and checks its wire form; undefined when it did not answer with a response. */
async function call<K extends ErpConnectorWSOperationName>(run: KitRun, operation: K, request: ErpConnectorWSOperations[K]['request']): Promise<Response<K> | undefined> {
  const outcome = await run.client.call(operation, request)
  if (!outcome.ok) {
    run.report.fail(`${operation}: answers with a response`, `a ${operation} response (never a SOAP fault)`, outcome.problem)
    return undefined
  }
  checkWire(run.report, operation, outcome.exchange, outcome.wrapper)
  // A WCF client cannot read an answer under another wrapper or namespace at all; neither can what follows.
  const expected = ErpConnectorWS.operations[operation]
  if (outcome.wrapper.name !== expected.responseElement || outcome.wrapper.ns !== ErpConnectorWS.namespace) return undefined
  run.limits.see(operation, request, outcome.response)
  return outcome.response
}

/** Calls an operation that must succeed (State is not Error). */
async function succeed<K extends ErpConnectorWSOperationName>(run: KitRun, operation: K, request: ErpConnectorWSOperations[K]['request'], what = 'succeeds'): Promise<Response<K> | undefined> {
  const response = await call(run, operation, request)
  if (!response) return undefined
  const result = response as T.ConnectorResultBase
  return run.report.expect(`${operation}: ${what}`, result.State !== 'Error', 'State Ok, OkWithInfo or Warning', () => explain(result), result.State !== 'Ok' ? explain(result) : undefined) ? response : undefined
}

async function listItems(run: KitRun, guid: string, name: string): Promise<Map<string, string | null> | undefined> {
  const response = await succeed(run, 'WSGetList', { ConnectionGuid: guid, ListName: name }, `list ${name} is served`)
  return response?.ListItems ?? undefined
}

const explain = (r: T.ConnectorResultBase) => `State=${r.State}${r.ErrorCode ? `, ErrorCode=${r.ErrorCode}` : ''}${r.UserExplanation ? `: ${r.UserExplanation}` : ''}`
const strings = (values: Array<string | null> | null | undefined) => (values ?? []).filter((v): v is string => v !== null)
const keysOf = (actors: Array<T.ErpActorWS | null> | null | undefined) => (actors ?? []).flatMap((a) => (a?.ErpKey ? [a.ErpKey] : []))

/** 1. Admin setup: what SuperOffice Admin does when a connection is added. Undefined when no connection was saved. */
async function adminSetupFlow(run: KitRun, config: ReadonlyMap<string, string>): Promise<{ guid: string; connected: boolean } | undefined> {
  const { report } = run
  report.flow('1. Admin setup')
  const configData = await succeed(run, 'WSGetConfigData', {})
  const configFields = (configData?.FieldMetaDataObjects ?? []).filter((f): f is T.FieldMetadataInfoWS => f !== null)
  if (configData) checkFieldList(report, 'WSGetConfigData', configFields)
  const connectionInfo = new Map<string, string | null>()
  for (const field of configFields) {
    if (field.FieldType === 'List' && field.ListName) {
      const items = await listItems(run, EMPTY_GUID, field.ListName)
      if (items && field.DefaultValue) {
        report.expect(`configuration field ${field.FieldKey}: default is an item of ${field.ListName}`, items.has(field.DefaultValue), `one of ${[...items.keys()].join(', ')}`, () => field.DefaultValue!)
      }
    }
    if (field.FieldKey && field.DefaultValue) connectionInfo.set(field.FieldKey, field.DefaultValue)
  }
  for (const [key, value] of config) connectionInfo.set(key, value)
  await succeed(run, 'WSTestConfigData', { ConnectionInfo: connectionInfo }, 'accepts the configuration (defaults and --config values)')
  const guid = randomUUID()
  const saved = await succeed(run, 'WSSaveConnection', { ConnectionGuid: guid, ConnectionInfo: connectionInfo }, `saves the connection ${guid}`)
  const connected = saved ? await succeed(run, 'WSTestConnection', { ConnectionGuid: guid }, 'the saved connection works') : undefined
  if (!saved) {
    report.skip('the rest of the flows', 'the connection could not be saved')
    return undefined
  }
  return { guid, connected: !!connected }
}

interface Metadata {
  types: string[]
  fieldsOf: Map<string, Fields>
  searchableOf: Map<string, string[]>
  lists: Lists
}

/** 2. Metadata: actor types, their fields and searchable fields, the lists List fields use. */
async function metadataFlow(run: KitRun, guid: string): Promise<Metadata> {
  const { report } = run
  report.flow('2. Metadata')
  const typesResponse = await succeed(run, 'WSGetSupportedActorTypes', { ConnectionGuid: guid })
  const types = strings(typesResponse?.Items)
  if (typesResponse) {
    report.expect('WSGetSupportedActorTypes: at least one actor type', types.length > 0, 'one or more of ' + ACTOR_TYPES.join(', '), () => 'none')
    const unknown = types.filter((t) => !(ACTOR_TYPES as readonly string[]).includes(t))
    report.expect('WSGetSupportedActorTypes: only actor types SuperOffice knows', unknown.length === 0, ACTOR_TYPES.join(', '), () => unknown.join(', '))
  }
  const fieldsOf = new Map<string, Fields>()
  const searchableOf = new Map<string, string[]>()
  for (const type of types) {
    const fields = (await succeed(run, 'WSGetSupportedActorTypeFields', { ConnectionGuid: guid, ActorType: type }, `fields of ${type}`))?.FieldMetaDataObjects
    const list = (fields ?? []).filter((f): f is T.FieldMetadataInfoWS => f !== null)
    fieldsOf.set(type, list)
    if (fields) checkFieldList(report, `fields of ${type}`, list)
    const searchable = strings((await succeed(run, 'WSGetSearchableFields', { ConnectionGuid: guid, ActorType: type }, `searchable fields of ${type}`))?.Items)
    searchableOf.set(type, searchable)
    const keys = new Set(list.map((f) => f.FieldKey))
    const strangers = searchable.filter((k) => !keys.has(k) && k !== 'ParentErpKey' && k !== 'ParentActorType')
    report.expect(`searchable fields of ${type} are fields of ${type}`, strangers.length === 0, [...keys].join(', '), () => strangers.join(', '))
  }
  const listsUsed = new Set([...fieldsOf.values()].flat().filter((f) => f.FieldType === 'List' && f.ListName).map((f) => f.ListName!))
  const lists: Lists = new Map()
  for (const name of listsUsed) {
    const items = await listItems(run, guid, name)
    if (items) lists.set(name, items)
  }
  return { types, fieldsOf, searchableOf, lists }
}

/** 3. CRM use: connect, create, view, save, search. Answers the company actor it worked on, if any. */
async function crmUseFlow(run: KitRun, guid: string, { types, fieldsOf, searchableOf, lists }: Metadata, noWrites: boolean): Promise<{ companyType: string | undefined; company: T.ErpActorWS | undefined }> {
  const { report } = run
  report.flow(`3. CRM use${noWrites ? ' (read-only: nothing is created or saved)' : ''}`)
  const companyType = COMPANY_TYPES.find((t) => types.includes(t)) ?? types.find((t) => t !== 'Person')
  const personType = types.includes('Person') ? 'Person' : undefined
  const companyFields = companyType ? fieldsOf.get(companyType) ?? [] : []
  const tag = randomUUID().slice(0, 8)
  let company: T.ErpActorWS | undefined
  let person: T.ErpActorWS | undefined
  const sent = new Map<string, string>()
  if (!companyType) report.skip('CRM flows', 'the connector supports no company actor type')
  else if (!noWrites) {
    const values = valuesFor(companyFields, lists, `Conformance ${tag}`)
    values.forEach((v, k) => sent.set(k, v))
    const created = await succeed(run, 'WSCreateActor', { ConnectionGuid: guid, Actor: newActor(companyType, values) }, `creates a ${companyType}`)
    company = created?.Actor ?? undefined
    if (created) {
      report.expect(`WSCreateActor: the new ${companyType} has an ErpKey`, !!company?.ErpKey, 'a non-empty ErpKey', () => JSON.stringify(company?.ErpKey ?? null))
      report.expect(`WSCreateActor: the new ${companyType} has a LastModified`, !!company?.LastModified, 'a non-empty LastModified', () => JSON.stringify(company?.LastModified ?? null))
      if (company) checkValues(report, `WSCreateActor: ${companyType}`, companyFields, company, values)
    }
    if (company?.ErpKey && personType) {
      const personValues = valuesFor(fieldsOf.get(personType) ?? [], lists, `Kit ${tag}`)
      const createdPerson = await succeed(run, 
        'WSCreateActor',
        { ConnectionGuid: guid, Actor: { ...newActor(personType, personValues), ParentActorType: companyType, ParentErpKey: company.ErpKey } },
        `creates a Person under the ${companyType}`,
      )
      person = createdPerson?.Actor ?? undefined
      if (person) {
        report.expect('WSCreateActor: the Person keeps its parent', person.ParentErpKey === company.ErpKey && person.ParentActorType === companyType, `${companyType} ${company.ErpKey}`, () => `${person!.ParentActorType} ${person!.ParentErpKey}`)
      }
    }
  } else {
    const existing = await succeed(run, 'WSGetActorsByTimestamp', { ConnectionGuid: guid, UpdatedOnOrAfter: '', ActorType: companyType, FieldKeys: [] }, `lists existing ${companyType} actors`)
    company = (existing?.Actors ?? []).find((a): a is T.ErpActorWS => !!a?.ErpKey)
    if (!company) report.skip(`CRM flows on a ${companyType}`, `the ERP has no ${companyType} to read`)
  }

  let viewed: T.ErpActorWS | undefined
  if (companyType && company?.ErpKey) {
    const allKeys = companyFields.map((f) => f.FieldKey!).filter(Boolean)
    const got = await succeed(run, 'WSGetActors', { ConnectionGuid: guid, ActorType: companyType, ErpKeys: [company.ErpKey, `missing-${tag}`], FieldKeys: allKeys }, `reads the ${companyType} back`)
    if (got) {
      const keys = keysOf(got.Actors)
      report.expect(`WSGetActors: returns the keys that exist, and only those`, keys.join() === company.ErpKey, company.ErpKey, () => keys.join(', ') || '(none)')
      viewed = (got.Actors ?? []).find((a): a is T.ErpActorWS => a?.ErpKey === company!.ErpKey)
      if (viewed) {
        const extra = [...(viewed.FieldValues ?? new Map()).keys()].filter((k) => !allKeys.includes(k))
        report.expect('WSGetActors: only the requested fields', extra.length === 0, allKeys.join(', '), () => `also ${extra.join(', ')}`)
        checkEncodings(report, 'WSGetActors', companyFields, viewed)
        if (!noWrites) checkValues(report, `WSGetActors: ${companyType}`, companyFields, viewed, sent)
      }
      const narrow = await succeed(run, 'WSGetActors', { ConnectionGuid: guid, ActorType: companyType, ErpKeys: [company.ErpKey], FieldKeys: allKeys.slice(0, 1) }, 'reads one field')
      const narrowKeys = [...(narrow?.Actors?.[0]?.FieldValues ?? new Map()).keys()]
      if (narrow) report.expect('WSGetActors: a request for one field gets that field', narrowKeys.join() === allKeys.slice(0, 1).join(), allKeys.slice(0, 1).join(), () => narrowKeys.join(', ') || '(none)')
    }
  }

  // Saving changes only what is sent, and moves LastModified on.
  const textField = companyFields.find((f) => f.FieldType === 'Text' && f.Access !== 'ReadOnly' && f.FieldKey && f.FieldKey !== 'NAME') ?? companyFields.find((f) => f.FieldType === 'Text' && f.Access !== 'ReadOnly' && f.FieldKey)
  let savedCompany: T.ErpActorWS | undefined
  if (!noWrites && companyType && company?.ErpKey && viewed && textField) {
    const newValue = `Saved ${tag}`.slice(0, textField.MaxLength || undefined)
    const save = await succeed(run, 'WSSaveActors', { ConnectionGuid: guid, Actors: [{ ...newActor(companyType, new Map([[textField.FieldKey!, newValue]])), ErpKey: company.ErpKey, LastModified: viewed.LastModified ?? '' }] }, `saves the ${companyType}`)
    savedCompany = (save?.Actors ?? []).find((a): a is T.ErpActorWS => a?.ErpKey === company!.ErpKey)
    if (save) report.expect('WSSaveActors: returns the saved actor', !!savedCompany, `ErpKey ${company.ErpKey}`, () => keysOf(save.Actors).join(', ') || '(none)')
    if (savedCompany) {
      report.expect('WSSaveActors: LastModified moves on', (compareLastModified(savedCompany.LastModified ?? '', company.LastModified ?? '') ?? 0) > 0, `later than ${company.LastModified}`, () => savedCompany!.LastModified ?? '(none)')
      const keys = [...new Set([...(viewed.FieldValues ?? new Map()).keys(), textField.FieldKey!])]
      const after = await succeed(run, 'WSGetActors', { ConnectionGuid: guid, ActorType: companyType, ErpKeys: [company.ErpKey], FieldKeys: keys }, 'reads the saved actor')
      const now = after?.Actors?.[0]
      if (now) {
        const changed = [...(viewed.FieldValues ?? new Map())].filter(([k, v]) => k !== textField.FieldKey && now.FieldValues?.get(k) !== v).map(([k]) => k)
        report.expect('WSSaveActors: only the fields sent changed', changed.length === 0, `only ${textField.FieldKey} changed`, () => `also ${changed.join(', ')}`)
        report.expect(`WSSaveActors: ${textField.FieldKey} has the new value`, now.FieldValues?.get(textField.FieldKey!) === newValue, newValue, () => String(now.FieldValues?.get(textField.FieldKey!)))
      }
    }
  } else if (!noWrites && companyType) report.skip('WSSaveActors', company ? 'no writable Text field to change' : 'no actor was created')

  // Searches with values taken from the actor.
  const searchable = companyType ? searchableOf.get(companyType) ?? [] : []
  const current = savedCompany ?? viewed
  const searchField = companyFields.find((f) => f.FieldType === 'Text' && searchable.includes(f.FieldKey!) && (current?.FieldValues?.get(f.FieldKey!) ?? '').length >= 3)
  if (companyType && company?.ErpKey && current && searchField) {
    const value = current.FieldValues!.get(searchField.FieldKey!)!
    const fragment = value.slice(Math.floor(value.length / 3), Math.floor(value.length / 3) + Math.max(3, Math.ceil(value.length / 3))).toUpperCase()
    const simple = await succeed(run, 'WSSearchActors', { ConnectionGuid: guid, ActorType: companyType, SearchText: fragment, FieldKeys: [searchField.FieldKey!] }, 'simple search')
    if (simple) report.expect(`WSSearchActors: "${fragment}" finds the actor`, keysOf(simple.Actors).includes(company.ErpKey), `ErpKey ${company.ErpKey} among the results`, () => keysOf(simple.Actors).join(', ') || '(none)')
    const advanced = await succeed(run, 'WSSearchActorsAdvanced', { ConnectionGuid: guid, ActorType: companyType, Restrictions: [restriction(searchField.FieldKey!, '=', [value])], FieldKeys: [searchField.FieldKey!] }, 'advanced search')
    if (advanced) report.expect(`WSSearchActorsAdvanced: ${searchField.FieldKey} = "${value}" finds the actor`, keysOf(advanced.Actors).includes(company.ErpKey), `ErpKey ${company.ErpKey} among the results`, () => keysOf(advanced.Actors).join(', ') || '(none)')
  } else if (companyType && company) report.skip('searches', 'no searchable Text field with a value to search for')
  if (person?.ErpKey && personType && company?.ErpKey && companyType) {
    const personFields = fieldsOf.get(personType) ?? []
    const byParentKey = await succeed(run, 'WSSearchActorsAdvanced', { ConnectionGuid: guid, ActorType: personType, Restrictions: [restriction('ParentErpKey', '=', [company.ErpKey]), restriction('ParentActorType', '=', [companyType])], FieldKeys: [] }, 'advanced search on ParentErpKey and ParentActorType')
    if (byParentKey) report.expect('WSSearchActorsAdvanced: ParentErpKey finds the person', keysOf(byParentKey.Actors).includes(person.ErpKey), `ErpKey ${person.ErpKey}`, () => keysOf(byParentKey.Actors).join(', ') || '(none)')
    const nameField = personFields.find((f) => f.FieldType === 'Text' && (person!.FieldValues?.get(f.FieldKey!) ?? '').length > 2)
    const text = nameField ? person.FieldValues!.get(nameField.FieldKey!)!.slice(0, 3) : ''
    const byParent = await succeed(run, 'WSSearchActorByParent', { ConnectionGuid: guid, ActorType: personType, SearchText: text, ParentActorType: companyType, ParentActorErpKey: company.ErpKey, FieldKeys: [] }, 'search by parent')
    if (byParent) report.expect(`WSSearchActorByParent: "${text}" under ${companyType} ${company.ErpKey} finds the person`, keysOf(byParent.Actors).includes(person.ErpKey), `ErpKey ${person.ErpKey}`, () => keysOf(byParent.Actors).join(', ') || '(none)')
  }
  // List item lookups, as the ERP tab does to show list values as text.
  const listField = companyFields.find((f) => f.FieldType === 'List' && f.ListName && viewed?.FieldValues?.get(f.FieldKey!))
  if (listField && viewed) {
    const key = viewed.FieldValues!.get(listField.FieldKey!)!
    const items = await succeed(run, 'WSGetListItems', { ConnectionGuid: guid, ListName: listField.ListName!, ListItemKeys: [key] }, `looks up ${listField.ListName} items`)
    if (items) report.expect(`WSGetListItems: item "${key}" of ${listField.ListName}`, items.ListItems?.has(key) === true, `"${key}" with its text`, () => [...(items.ListItems?.keys() ?? [])].join(', ') || '(none)')
  }

  return { companyType, company }
}

/**
 * 4. Sync: what changed since a LastModified, nothing from the future, and each actor type's fields asked again, as
 * SuperOffice does when it looks at a connection again later (for the CRM limits: the same keys both times).
 */
async function syncFlow(run: KitRun, guid: string, { types }: Metadata, companyType: string | undefined, company: T.ErpActorWS | undefined): Promise<void> {
  const { report } = run
  report.flow('4. Sync')
  if (companyType && company?.LastModified && company.ErpKey) {
    const since = await succeed(run, 'WSGetActorsByTimestamp', { ConnectionGuid: guid, UpdatedOnOrAfter: company.LastModified, ActorType: companyType, FieldKeys: [] }, 'changes since a LastModified it returned')
    if (since) report.expect('WSGetActorsByTimestamp: sees the actor changed at or after that LastModified', keysOf(since.Actors).includes(company.ErpKey), `ErpKey ${company.ErpKey}`, () => keysOf(since.Actors).join(', ') || '(none)')
    const future = await succeed(run, 'WSGetActorsByTimestamp', { ConnectionGuid: guid, UpdatedOnOrAfter: '2999-12-31T23:59:59', ActorType: companyType, FieldKeys: [] }, 'changes since the far future')
    if (future) report.expect('WSGetActorsByTimestamp: nothing from the future', keysOf(future.Actors).length === 0, 'no actors', () => keysOf(future.Actors).join(', '))
  } else report.skip('sync checks', 'no actor with a LastModified to start from')
  for (const type of types) await succeed(run, 'WSGetSupportedActorTypeFields', { ConnectionGuid: guid, ActorType: type }, `fields of ${type} asked again`)
}

/** 5. Error semantics: an unknown GUID, an actor type not supported, a deleted connection. */
async function errorSemanticsFlow(run: KitRun, guid: string, types: string[], connected: boolean): Promise<void> {
  const { report } = run
  report.flow('5. Error semantics')
  const unknown = await call(run, 'WSTestConnection', { ConnectionGuid: randomUUID() })
  if (unknown) report.expect('an unknown GUID answers UNKNOWN_CONNECTION_ID', unknown.State === 'Error' && unknown.ErrorCode === 'UNKNOWN_CONNECTION_ID', 'State=Error, ErrorCode=UNKNOWN_CONNECTION_ID', () => explain(unknown))
  const unsupported = ACTOR_TYPES.find((t) => !types.includes(t))
  if (unsupported && connected) {
    const answer = await call(run, 'WSGetActors', { ConnectionGuid: guid, ActorType: unsupported, ErpKeys: ['1'], FieldKeys: [] })
    if (answer) report.expect(`an actor type the connector does not support (${unsupported}) is an error`, answer.State === 'Error', 'State=Error with an explanation', () => explain(answer))
  }
  const deleted = await succeed(run, 'WSDeleteConnection', { ConnectionGuid: guid }, 'deletes the connection')
  if (deleted) {
    const after = await call(run, 'WSTestConnection', { ConnectionGuid: guid })
    if (after) report.expect('after WSDeleteConnection the GUID is unknown', after.State === 'Error' && after.ErrorCode === 'UNKNOWN_CONNECTION_ID', 'State=Error, ErrorCode=UNKNOWN_CONNECTION_ID', () => explain(after))
  }
}

/** 6. CRM limits: what every answer seen so far would break when SuperOffice stores it (see crm-limits.ts). */
function crmLimitsFlow(report: Report, limits: CrmLimitWatch): void {
  report.flow('6. CRM limits')
  for (const result of limits.results()) {
    if (result.status === 'passed') report.pass(result.check, result.note)
    else if (result.status === 'failed') report.fail(result.check, result.expected!, result.got!)
    else if (result.status === 'warning') report.warn(result.check, result.expected!, result.got!)
    else report.skip(result.check, result.note!)
  }
}


function newActor(type: string, values: Map<string, string>): T.ErpActorWS {
  return { ActorType: type, ErpKey: '', FieldValues: new Map(values), LastModified: '', ParentActorType: 'Unknown', ParentErpKey: '' }
}

function restriction(key: string, operator: string, values: string[]): T.SearchRestrictionInfoWS {
  return { FieldKey: key, Operator: operator, ScalarValue: values[0] ?? null, Values: values }
}

/** Values for a new actor: every mandatory field, and the first writable Text and List fields, encoded per type. */
function valuesFor(fields: Fields, lists: Lists, text: string): Map<string, string> {
  const values = new Map<string, string>()
  const firstText = fields.find((f) => f.FieldType === 'Text' && f.Access !== 'ReadOnly')
  const firstList = fields.find((f) => f.FieldType === 'List' && f.Access !== 'ReadOnly')
  for (const field of fields) {
    if (field.Access === 'ReadOnly' || !field.FieldKey) continue
    if (field.Access !== 'Mandatory' && field !== firstText && field !== firstList) continue
    const today = new Date()
    const p = (n: number) => String(n).padStart(2, '0')
    switch (field.FieldType) {
      case 'Integer':
        values.set(field.FieldKey, '[I:42]')
        break
      case 'Double':
        values.set(field.FieldKey, '[F:12.5]')
        break
      case 'Checkbox':
        values.set(field.FieldKey, '[I:1]')
        break
      case 'Datetime':
        values.set(field.FieldKey, `[DT:${p(today.getUTCMonth() + 1)}/${p(today.getUTCDate())}/${today.getUTCFullYear()} 12:00:00.0000000]`)
        break
      case 'List': {
        const first = [...(lists.get(field.ListName ?? '')?.keys() ?? [])][0]
        if (first !== undefined) values.set(field.FieldKey, first)
        break
      }
      default:
        values.set(field.FieldKey, field.MaxLength ? text.slice(0, field.MaxLength) : text)
    }
  }
  return values
}

function checkFieldList(report: Report, what: string, fields: Fields): void {
  const ranks = fields.map((f) => f.Rank)
  report.expect(`${what}: unique ranks`, new Set(ranks).size === ranks.length, 'each Rank once', () => ranks.join(', '))
  const keys = fields.map((f) => f.FieldKey ?? '')
  report.expect(`${what}: unique, non-empty field keys`, new Set(keys).size === keys.length && !keys.includes(''), 'each FieldKey once, none empty', () => keys.join(', '))
  const badDefaults = fields.filter((f) => !encodedAsTyped(f.FieldType, f.DefaultValue ?? null))
  report.expect(`${what}: default values encoded per type`, badDefaults.length === 0, badDefaults.map((f) => `${f.FieldKey} like ${ENCODING_EXAMPLES[f.FieldType!]}`).join('; ') || 'encoded values', () =>
    badDefaults.map((f) => `${f.FieldKey}="${f.DefaultValue}"`).join(', '),
  )
  const listless = fields.filter((f) => f.FieldType === 'List' && !f.ListName)
  report.expect(`${what}: List fields name their list`, listless.length === 0, 'a ListName on every List field', () => listless.map((f) => f.FieldKey).join(', '))
}

function checkEncodings(report: Report, what: string, fields: Fields, actor: T.ErpActorWS): void {
  const byKey = new Map(fields.map((f) => [f.FieldKey, f]))
  const bad = [...(actor.FieldValues ?? new Map())].filter(([k, v]) => !encodedAsTyped(byKey.get(k)?.FieldType, v))
  report.expect(`${what}: field values encoded per field type`, bad.length === 0, bad.map(([k]) => `${k} like ${ENCODING_EXAMPLES[byKey.get(k)!.FieldType!]}`).join('; ') || 'encoded values', () =>
    bad.map(([k, v]) => `${k}="${v}"`).join(', '),
  )
}

/** The values sent are the values stored (typed values compared by what they mean, not by spelling). */
function checkValues(report: Report, what: string, fields: Fields, actor: T.ErpActorWS, sent: Map<string, string>): void {
  const readOnly = new Set(fields.filter((f) => f.Access === 'ReadOnly').map((f) => f.FieldKey))
  const differ = [...sent].filter(([k, v]) => !readOnly.has(k) && actor.FieldValues?.has(k) && !sameValue(actor.FieldValues.get(k) ?? '', v))
  report.expect(`${what}: holds the values sent`, differ.length === 0, differ.map(([k, v]) => `${k}="${v}"`).join(', ') || 'the values sent', () => differ.map(([k]) => `${k}="${actor.FieldValues?.get(k)}"`).join(', '))
}

function sameValue(a: string, b: string): boolean {
  if (a === b) return true
  const x = parseEncoded(a)
  const y = parseEncoded(b)
  return x.kind !== 'text' && x.kind !== 'invalid' && JSON.stringify(x) === JSON.stringify(y)
}
