// @ts-check
// A connector to the HTTP JSON ERP of erp-server.js, written as a third party writes one: it imports only from the
// installed erp-connector-ws package, and the server loads it by its path in CONNECTORS:
//
//   npm install erp-connector-ws
//   CONNECTORS=./http-json-erp/connector.js npx erp-connector-ws start
//
// SuperOffice's Customer and Person are the ERP's customers and persons; each FieldKey maps to one JSON property.
import { compileRestriction, ConnectorFailure, encodeDouble, ErrorCode, field, invalidRequest, parseDoubleValue, ranked } from 'erp-connector-ws'

/** @typedef {import('erp-connector-ws').ErpConnector} ErpConnector */
/** @typedef {import('erp-connector-ws').ErpActor} ErpActor */
/** @typedef {import('erp-connector-ws').Connection} Connection */
/** @typedef {{ key: string, property: string, type: 'Text' | 'Double', name: string, mandatory?: boolean }} Field */
/** @typedef {Record<string, unknown> & { id: string, lastModified: string, customerId?: string }} ErpRecord */

/** @type {Record<string, { path: string, fields: Field[] }>} */
const ACTOR_TYPES = {
  Customer: {
    path: 'customers',
    fields: [
      { key: 'NAME', property: 'name', type: 'Text', name: 'Name', mandatory: true },
      { key: 'POSTALCITY', property: 'city', type: 'Text', name: 'City' },
      { key: 'EMAIL', property: 'email', type: 'Text', name: 'E-mail' },
      { key: 'CreditLimit', property: 'creditLimit', type: 'Double', name: 'Credit limit' },
    ],
  },
  Person: {
    path: 'persons',
    fields: [
      { key: 'FIRSTNAME', property: 'firstName', type: 'Text', name: 'First name' },
      { key: 'LASTNAME', property: 'lastName', type: 'Text', name: 'Last name', mandatory: true },
      { key: 'EMAIL', property: 'email', type: 'Text', name: 'E-mail' },
    ],
  },
}

/** @param {string} actorType */
function actorType(actorType) {
  if (!Object.hasOwn(ACTOR_TYPES, actorType)) throw invalidRequest(`This ERP has no ${actorType} actors: it has ${Object.keys(ACTOR_TYPES).join(', ')}.`)
  return ACTOR_TYPES[actorType]
}

/** The ERP's API for one configuration (BaseUrl, ApiKey). */
class Erp {
  /** @param {ReadonlyMap<string, string | null>} config */
  constructor(config) {
    this.baseUrl = (config.get('BaseUrl') ?? '').replace(/\/+$/, '')
    this.apiKey = config.get('ApiKey') ?? ''
    if (!/^https?:\/\/[^/]/.test(this.baseUrl)) throw invalidRequest(`BaseUrl "${this.baseUrl}" is not an http(s) URL, such as http://erp.example.com:8081.`)
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {object} [body]
   * @returns {Promise<any>}
   */
  async call(method, path, body) {
    let response
    try {
      response = await fetch(`${this.baseUrl}/${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      })
    } catch (error) {
      const reason = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error)
      throw new ConnectorFailure('ERP_UNREACHABLE', `The ERP at ${this.baseUrl} cannot be reached: check BaseUrl, and that the ERP is running.`, reason)
    }
    const answer = await response.json().catch(() => ({}))
    if (response.status === 401) throw new ConnectorFailure('ERP_UNAUTHORIZED', 'The ERP refused the API key: check ApiKey in the connection settings.')
    if (!response.ok) throw invalidRequest(`The ERP refused the request: ${answer.error ?? `HTTP ${response.status}`}.`)
    return answer
  }

  /** @param {string} type @param {Record<string, string>} [filters] @returns {Promise<ErpRecord[]>} */
  list(type, filters = {}) {
    return this.call('GET', `${actorType(type).path}?${new URLSearchParams(filters)}`)
  }
}

/** @param {string} type @param {ErpRecord} record @param {string[]} fieldKeys @returns {ErpActor} */
function toActor(type, record, fieldKeys) {
  const values = new Map()
  for (const field of actorType(type).fields) {
    if (!fieldKeys.includes(field.key)) continue
    const value = record[field.property]
    values.set(field.key, value === undefined || value === null ? '' : field.type === 'Double' ? encodeDouble(Number(value)) : String(value))
  }
  const parent = type === 'Person' && record.customerId ? { ParentActorType: 'Customer', ParentErpKey: record.customerId } : { ParentActorType: 'Unknown', ParentErpKey: '' }
  return { ActorType: type, ErpKey: record.id, FieldValues: values, LastModified: record.lastModified, ...parent }
}

/** The ERP's properties for the field values SuperOffice sends. @param {ErpActor} actor */
function toProperties(actor) {
  const fields = actorType(actor.ActorType).fields
  /** @type {Record<string, unknown>} */
  const properties = {}
  for (const [key, value] of actor.FieldValues) {
    const field = fields.find((f) => f.key === key)
    if (!field) throw new ConnectorFailure(ErrorCode.UnknownFieldKey, `${actor.ActorType} has no field ${key}.`)
    properties[field.property] = value === null || value === '' ? null : field.type === 'Double' ? parseDoubleValue(value) : value
  }
  if (actor.ActorType === 'Person' && actor.ParentErpKey) properties.customerId = actor.ParentErpKey
  return properties
}

/** Is the ERP there, and does it take the API key? @param {ReadonlyMap<string, string | null>} config */
async function check(config) {
  await new Erp(config).call('GET', 'health')
  return {}
}

/** The connector module's contract: the default export builds the connector. @type {import('erp-connector-ws').ConnectorFactory} */
export default function createConnector() {
  /** @type {ErpConnector} */
  const connector = {
    name: 'HttpJsonErp',
    async getConfigData() {
      return {
        FieldMetaDataObjects: ranked([
          field('BaseUrl', { displayName: 'ERP address', access: 'Mandatory', defaultValue: 'http://127.0.0.1:8081' }),
          field('ApiKey', { displayName: 'API key', type: 'Password' }),
        ]),
      }
    },
    testConfigData: (_ctx, { ConnectionInfo }) => check(ConnectionInfo),
    saveConnection: (_ctx, { connection }) => check(connection.config),
    testConnection: (_ctx, { connection }) => check(connection.config),
    async getSupportedActorTypes() {
      return { Items: Object.keys(ACTOR_TYPES) }
    },
    async getSupportedActorTypeFields(_ctx, { ActorType: type }) {
      return {
        FieldMetaDataObjects: ranked(
          actorType(type).fields.map((f) => field(f.key, { displayName: f.name, type: f.type, access: f.mandatory ? 'Mandatory' : 'Normal' })),
        ),
      }
    },
    async getSearchableFields(_ctx, { ActorType: type }) {
      return { Items: actorType(type).fields.map((field) => field.key) }
    },
    async getActors(_ctx, { connection, ActorType: type, ErpKeys: erpKeys, FieldKeys: fieldKeys }) {
      const records = erpKeys.length === 0 ? [] : await new Erp(connection.config).list(type, { ids: erpKeys.join(',') })
      return { Actors: records.map((record) => toActor(type, record, fieldKeys)) }
    },
    async searchActors(_ctx, { connection, ActorType: type, SearchText: searchText, FieldKeys: fieldKeys }) {
      const records = await new Erp(connection.config).list(type, { q: searchText })
      return { Actors: records.map((record) => toActor(type, record, fieldKeys)) }
    },
    async searchActorByParent(_ctx, { connection, ActorType: type, SearchText: searchText, ParentActorType: parentType, ParentActorErpKey: parentKey, FieldKeys: fieldKeys }) {
      if (type !== 'Person' || parentType !== 'Customer') return { Actors: [] }
      const records = await new Erp(connection.config).list(type, { q: searchText, customerId: parentKey })
      return { Actors: records.map((record) => toActor(type, record, fieldKeys)) }
    },
    async searchActorsAdvanced(_ctx, { connection, ActorType: type, Restrictions: restrictions, FieldKeys: fieldKeys }) {
      // The ERP has no query language: read every record and match here, as SuperOffice's own operators mean.
      const all = actorType(type).fields.map((f) => f.key)
      const parentFields = [{ key: 'ParentErpKey', type: /** @type {const} */ ('Text') }, { key: 'ParentActorType', type: /** @type {const} */ ('Text') }]
      const tests = restrictions.map((restriction) => {
        const field = [...actorType(type).fields, ...parentFields].find((f) => f.key === restriction.FieldKey)
        if (!field) throw new ConnectorFailure(ErrorCode.UnknownFieldKey, `${type} has no field ${restriction.FieldKey} to search.`)
        const match = compileRestriction(field, restriction.Operator, restriction.Values)
        /** @param {ErpActor} actor */
        return (actor) => {
          const value = field.key === 'ParentErpKey' ? actor.ParentErpKey : field.key === 'ParentActorType' ? actor.ParentActorType : actor.FieldValues.get(field.key)
          return match(field.type === 'Double' && value ? parseDoubleValue(value) : value ?? null)
        }
      })
      const actors = (await new Erp(connection.config).list(type)).map((record) => toActor(type, record, all))
      return { Actors: actors.filter((actor) => tests.every((test) => test(actor))).map((actor) => ({ ...actor, FieldValues: new Map([...actor.FieldValues].filter(([key]) => fieldKeys.includes(key))) })) }
    },
    async createActor(_ctx, { connection, Actor: actor }) {
      const record = await new Erp(connection.config).call('POST', actorType(actor.ActorType).path, toProperties(actor))
      return { Actor: toActor(actor.ActorType, record, actorType(actor.ActorType).fields.map((f) => f.key)) }
    },
    async saveActors(_ctx, { connection, Actors: actors }) {
      const erp = new Erp(connection.config)
      const saved = []
      for (const actor of actors) {
        const record = await erp.call('PUT', `${actorType(actor.ActorType).path}/${encodeURIComponent(actor.ErpKey)}`, toProperties(actor))
        saved.push(toActor(actor.ActorType, record, actorType(actor.ActorType).fields.map((f) => f.key)))
      }
      return { Actors: saved }
    },
    async getList(_ctx, { ListName }) {
      throw invalidRequest(`This ERP has no lists (asked for ${ListName}).`)
    },
    async getListItems(_ctx, { ListName }) {
      throw invalidRequest(`This ERP has no lists (asked for ${ListName}).`)
    },
    async getActorsByTimestamp(_ctx, { connection, UpdatedOnOrAfter: updatedOnOrAfter, ActorType: type, FieldKeys: fieldKeys }) {
      // SuperOffice sends the LastModified it last saw, or an empty string for everything; a time without a zone is UTC.
      const since = updatedOnOrAfter === '' ? '' : /Z|[+-]\d\d:\d\d$/.test(updatedOnOrAfter) ? updatedOnOrAfter : `${updatedOnOrAfter}Z`
      if (since !== '' && Number.isNaN(Date.parse(since))) throw invalidRequest(`UpdatedOnOrAfter "${updatedOnOrAfter}" is not an ISO date-time.`)
      const records = await new Erp(connection.config).list(type, since === '' ? {} : { modifiedSince: since })
      return { Actors: records.map((record) => toActor(type, record, fieldKeys)) }
    },
  }
  return connector
}
