/**
 * An ERP held in memory, one small data set per connection, seeded when the connection is saved. It exists to
 * exercise every operation end to end (tests, benchmarks, trying the server out) without an ERP; data is lost on
 * restart, and the server keeps a bounded number of data sets (the least recently used one is dropped, and seeded
 * again if its connection is used later). The Excel connector is the model to copy for a real ERP.
 */
import type { Connection, ConnectorMethods, ErpActor, ErpConnector, FieldMetadata, FieldValues, Outcome, ResultOf, SearchRestriction } from '../connector/connector.js'
import { ConnectorFailure, ErrorCode, invalidRequest } from '../connector/errors.js'
import { field, ranked } from '../connector/fields.js'
import { parseDoubleValue } from '../encoding/field-values.js'

// Maps, not plain objects: list names and actor types come from callers ("constructor" must find nothing).
const LISTS = new Map<string, Array<[string, string]>>([
  [
    'CustomerGroup',
    [
      ['1', 'Small'],
      ['2', 'Medium'],
      ['3', 'Large'],
    ],
  ],
])

const FIELDS = new Map<string, FieldMetadata[]>(Object.entries({
  Customer: ranked([
    field('CustNo', { displayName: 'Customer number', type: 'Integer', access: 'ReadOnly' }),
    field('NAME', { displayName: 'Name', access: 'Mandatory', maxLength: 200 }),
    field('POSTALCITY', { displayName: 'City' }),
    field('CustGr', { displayName: 'Customer group', type: 'List', listName: 'CustomerGroup' }),
    field('CreditLimit', { displayName: 'Credit limit', type: 'Double' }),
    field('Active', { displayName: 'Active', type: 'Checkbox' }),
  ]),
  Person: ranked([
    field('FIRSTNAME', { displayName: 'First name' }),
    field('LASTNAME', { displayName: 'Last name', access: 'Mandatory' }),
    field('BIRTHDATE', { displayName: 'Birth date', type: 'Datetime' }),
    field('EMAIL', { displayName: 'E-mail' }),
  ]),
}))

const CONFIG_FIELDS = [
  field('Dataset', { displayName: 'US:"Data set";NO:"Datasett"', defaultValue: 'demo', rank: 1 }),
  field('DefaultGroup', { displayName: 'Default customer group', type: 'List', listName: 'CustomerGroup', defaultValue: '1', rank: 2 }),
  field('ApiKey', { displayName: 'API key (not used; shows how secrets are kept)', type: 'Password', rank: 3 }),
]

type ActorsResult = ResultOf<'WSGetActors'>

export interface Dataset {
  actors: Map<string, Map<string, ErpActor>>
  nextKey: number
}

/** Options for tests and benchmarks: seed data other than the small default set. */
export interface MemoryConnectorOptions {
  name?: string
  seed?: (actors: ErpActor[]) => void
  /** Data sets kept (one per connection); the least recently used goes first. */
  maxDatasets?: number
  /** Actors one data set may hold; creating more is refused. */
  maxActors?: number
}

export const DEFAULT_MAX_DATASETS = 100
export const DEFAULT_MAX_ACTORS = 10_000

/**
 * @example
 * const host = createConnectorHost({ connectors: [createMemoryConnector()], store })
 */
/** The Memory connector implements every operation. */
export type MemoryConnector = ErpConnector & Required<ConnectorMethods> & { dataset(id: string): Dataset | undefined }

export function createMemoryConnector(options: MemoryConnectorOptions = {}): MemoryConnector {
  // A Map keeps insertion order: re-inserting on use makes its first key the least recently used.
  const datasets = new Map<string, Dataset>()
  const maxDatasets = options.maxDatasets ?? DEFAULT_MAX_DATASETS
  const maxActors = options.maxActors ?? DEFAULT_MAX_ACTORS
  let lastStamp = ''

  function keep(id: string, dataset: Dataset): Dataset {
    datasets.delete(id)
    datasets.set(id, dataset)
    while (datasets.size > maxDatasets) datasets.delete(datasets.keys().next().value!)
    return dataset
  }

  /** Strictly increasing within the process, sortable as text, parseable as an ISO date-time. */
  function stamp(): string {
    let next = new Date().toISOString()
    if (next <= lastStamp) next = new Date(Date.parse(lastStamp) + 1).toISOString()
    lastStamp = next
    return next
  }

  function seed(empty = false): Dataset {
    const at = stamp()
    const rows: ErpActor[] = empty ? [] : [
      actor('Customer', '17', { CustNo: '[I:17]', NAME: 'Kunden A/S', POSTALCITY: 'Oslo', CustGr: '1', CreditLimit: '[F:1000.5]', Active: '[I:1]' }, at),
      actor('Customer', '18', { CustNo: '[I:18]', NAME: 'Kundeklubben AS', POSTALCITY: 'Bergen', CustGr: '3', CreditLimit: '[F:0]', Active: '[I:0]' }, at),
      { ...actor('Person', '1', { FIRSTNAME: 'Kari', LASTNAME: 'Hansen', EMAIL: 'kari@example.com' }, at), ParentActorType: 'Customer', ParentErpKey: '17' },
    ]
    options.seed?.(rows)
    const actors = new Map<string, Map<string, ErpActor>>([...FIELDS.keys()].map((type) => [type, new Map()]))
    let nextKey = 1
    for (const row of rows) {
      actors.get(row.ActorType)?.set(row.ErpKey, row)
      nextKey = Math.max(nextKey, Number(row.ErpKey) + 1 || 0)
    }
    return { actors, nextKey }
  }

  function datasetOf(connection: Connection): Dataset {
    // Missing when the server restarted since the save, or the data set was dropped as least recently used: start
    // again from the seed.
    return keep(connection.id, datasets.get(connection.id) ?? seed())
  }

  function table(connection: Connection, actorType: string): Map<string, ErpActor> {
    const rows = datasetOf(connection).actors.get(actorType)
    if (!rows) throw invalidRequest(`This connector has no ${actorType} actors. It supports ${[...FIELDS.keys()].join(', ')}.`)
    return rows
  }

  function project(rows: Iterable<ErpActor>, fieldKeys: string[]): ActorsResult {
    return { Actors: [...rows].map((row) => pick(row, fieldKeys)) }
  }

  const name = options.name ?? 'Memory'
  return {
    name,
    dataset: (id) => datasets.get(id),
    async getConfigData() {
      return { FieldMetaDataObjects: CONFIG_FIELDS }
    },
    async testConfigData(_ctx, { ConnectionInfo }) {
      return checkDataset(ConnectionInfo)
    },
    async saveConnection(ctx, { connection }) {
      ctx.log.info({ config: connection.config }, `memory connector: saving connection ${connection.id}`)
      const check = checkDataset(connection.config)
      if (check.State === 'Error') return check
      keep(connection.id, seed(connection.config.get('Dataset') === 'empty'))
      return {}
    },
    async testConnection() {
      return {}
    },
    async deleteConnection(_ctx, { connection }) {
      datasets.delete(connection.id)
      return {}
    },
    async getSupportedActorTypes() {
      return { Items: [...FIELDS.keys()] }
    },
    async getSupportedActorTypeFields(_ctx, { ActorType }) {
      return { FieldMetaDataObjects: fieldsOf(ActorType) }
    },
    async getSearchableFields(_ctx, { ActorType }) {
      return { Items: fieldsOf(ActorType).map((f) => f.FieldKey) }
    },
    async getActors(_ctx, { connection, ActorType, ErpKeys, FieldKeys }) {
      const rows = table(connection, ActorType)
      return project(ErpKeys.flatMap((k) => rows.get(k) ?? []), FieldKeys)
    },
    async searchActors(_ctx, { connection, ActorType, SearchText, FieldKeys }) {
      return project(search(table(connection, ActorType).values(), SearchText), FieldKeys)
    },
    async searchActorByParent(_ctx, { connection, ActorType, SearchText, ParentActorType, ParentActorErpKey, FieldKeys }) {
      const rows = search(table(connection, ActorType).values(), SearchText)
      return project(rows.filter((r) => r.ParentActorType === ParentActorType && r.ParentErpKey === ParentActorErpKey), FieldKeys)
    },
    async searchActorsAdvanced(_ctx, { connection, ActorType, Restrictions, FieldKeys }) {
      const rows = [...table(connection, ActorType).values()].filter((row) => Restrictions.every((r) => matches(row, r)))
      return project(rows, FieldKeys)
    },
    async createActor(_ctx, { connection, Actor: input }) {
      const rows = table(connection, input.ActorType)
      const missing = fieldsOf(input.ActorType).find((f) => f.Access === 'Mandatory' && !input.FieldValues.get(f.FieldKey))
      if (missing) throw invalidRequest(`The field ${missing.FieldKey} is mandatory for ${input.ActorType}.`)
      const dataset = datasetOf(connection)
      let held = 0
      for (const table of dataset.actors.values()) held += table.size
      if (held >= maxActors) throw invalidRequest(`The new ${input.ActorType} was not created: the Memory demo connector holds at most ${maxActors} actors per connection.`)
      const key = String(dataset.nextKey++)
      const values: FieldValues = new Map([...input.FieldValues].filter(([k]) => writable(input.ActorType, k)))
      if (input.ActorType === 'Customer') values.set('CustNo', `[I:${key}]`)
      const row: ErpActor = { ...input, ErpKey: key, FieldValues: values, LastModified: stamp() }
      rows.set(key, row)
      return { Actor: row }
    },
    async saveActors(_ctx, { connection, Actors: inputs }) {
      // All or nothing: check every actor before changing any.
      const updates = inputs.map((input) => {
        const row = table(connection, input.ActorType).get(input.ErpKey)
        if (!row) throw new ConnectorFailure(ErrorCode.InvalidRequest, `There is no ${input.ActorType} with ErpKey "${input.ErpKey}".`)
        return { row, input }
      })
      const at = stamp()
      return {
        Actors: updates.map(({ row, input }) => {
          for (const [k, v] of input.FieldValues) if (writable(input.ActorType, k)) row.FieldValues.set(k, v)
          row.LastModified = at
          return { ...row, FieldValues: new Map(row.FieldValues) }
        }),
      }
    },
    async getList(_ctx, { ListName }) {
      return { ListItems: new Map(listOf(ListName)) }
    },
    async getListItems(_ctx, { ListName, ListItemKeys }) {
      const items = new Map(listOf(ListName))
      return { ListItems: new Map(ListItemKeys.filter((k) => items.has(k)).map((k) => [k, items.get(k)!])) }
    },
    async getActorsByTimestamp(_ctx, { connection, UpdatedOnOrAfter: updatedOnOrAfter, ActorType: actorType, FieldKeys: fieldKeys }) {
      const since = Date.parse(updatedOnOrAfter.endsWith('Z') || !/T/.test(updatedOnOrAfter) ? updatedOnOrAfter : `${updatedOnOrAfter}Z`)
      if (Number.isNaN(since)) throw invalidRequest(`UpdatedOnOrAfter "${updatedOnOrAfter}" is not an ISO date-time.`)
      return project([...table(connection, actorType).values()].filter((r) => Date.parse(r.LastModified) >= since), fieldKeys)
    },
  }
}

/** Dataset is optional: "demo" (the default) seeds a few actors, "empty" none. */
function checkDataset(config: ReadonlyMap<string, string | null>): Outcome {
  const dataset = config.get('Dataset') ?? 'demo'
  if (dataset === 'demo' || dataset === 'empty') return {}
  return { State: 'Error', UserExplanation: `Dataset "${dataset}" does not exist: use demo or empty.` }
}

function actor(type: string, key: string, values: Record<string, string>, at: string): ErpActor {
  return { ActorType: type, ErpKey: key, FieldValues: new Map(Object.entries(values)), LastModified: at, ParentActorType: 'Unknown', ParentErpKey: '' }
}

function fieldsOf(actorType: string): FieldMetadata[] {
  const fields = FIELDS.get(actorType)
  if (!fields) throw invalidRequest(`This connector has no ${actorType} actors. It supports ${[...FIELDS.keys()].join(', ')}.`)
  return fields
}

function writable(actorType: string, key: string): boolean {
  return fieldsOf(actorType).some((f) => f.FieldKey === key && f.Access !== 'ReadOnly')
}

function listOf(listName: string): Array<[string, string]> {
  const list = LISTS.get(listName)
  if (!list) throw invalidRequest(`There is no list named "${listName}". Lists: ${[...LISTS.keys()].join(', ')}.`)
  return list
}

function pick(row: ErpActor, fieldKeys: string[]): ErpActor {
  const values: FieldValues = new Map()
  for (const key of fieldKeys) if (row.FieldValues.has(key)) values.set(key, row.FieldValues.get(key)!)
  return { ...row, FieldValues: values }
}

function compareNumbers(value: string, restriction: SearchRestriction): boolean {
  const number = (text: string) => {
    try {
      return parseDoubleValue(text)
    } catch {
      return undefined
    }
  }
  const actual = number(value)
  const [low, high] = restriction.Values.map(number)
  if (actual === undefined || low === undefined) return false
  switch (restriction.Operator) {
    case '>':
      return actual > low
    case '<':
      return actual < low
    case '>=':
      return actual >= low
    case '<=':
      return actual <= low
    case '!=':
      return actual !== low
    default:
      return high !== undefined && actual >= low && actual <= high
  }
}

function search(rows: Iterable<ErpActor>, text: string): ErpActor[] {
  const needle = text.toLowerCase()
  return [...rows].filter((r) => [...r.FieldValues.values()].some((v) => v?.toLowerCase().includes(needle)))
}

function matches(row: ErpActor, restriction: SearchRestriction): boolean {
  const value =
    restriction.FieldKey === 'ParentErpKey'
      ? row.ParentErpKey
      : restriction.FieldKey === 'ParentActorType'
        ? row.ParentActorType
        : (row.FieldValues.get(restriction.FieldKey) ?? '')
  const [first = ''] = restriction.Values.map((v) => v.toLowerCase())
  const text = value.toLowerCase()
  switch (restriction.Operator) {
    case '=':
      return text === first
    case 'isnot':
      return text !== first
    case 'begins':
      return text.startsWith(first)
    case 'contains':
      return text.includes(first)
    case 'oneof':
      return restriction.Values.includes(value)
    case 'notoneof':
      return !restriction.Values.includes(value)
    case '>':
    case '<':
    case '>=':
    case '<=':
    case '!=':
    case 'between':
      return compareNumbers(value, restriction)
    default:
      throw invalidRequest(`The operator "${restriction.Operator}" is not supported by the Memory connector.`)
  }
}
