// acme-connector.ts, in a project of your own (npm install erp-connector-ws): a read-only connector to a small ERP.
import { field, invalidRequest, ranked, type ConnectorFactory, type ErpActor, type ErpConnector } from '../../src/index.js'

/** The ERP's customers: here an array; in real life an HTTP API or a database, reached with the configuration. */
const CUSTOMERS = [
  { id: '1', name: 'Kunden A/S', city: 'Oslo' },
  { id: '2', name: 'Acme Ltd', city: 'Leeds' },
]

const CUSTOMER_FIELDS = ranked([
  field('NAME', { displayName: 'US:"Name";NO:"Navn"', access: 'Mandatory', maxLength: 200 }),
  field('POSTALCITY', { displayName: 'City' }),
])

function customers(actorType: string) {
  if (actorType !== 'Customer') throw invalidRequest(`Acme has no ${actorType} actors; it has Customer.`)
  return CUSTOMERS
}

function toActor(row: (typeof CUSTOMERS)[number], fieldKeys: string[]): ErpActor {
  const values = new Map([['NAME', row.name], ['POSTALCITY', row.city]])
  return {
    ActorType: 'Customer',
    ErpKey: row.id,
    FieldValues: new Map(fieldKeys.filter((key) => values.has(key)).map((key) => [key, values.get(key)!])),
    LastModified: '',
    ParentActorType: 'Unknown',
    ParentErpKey: '',
  }
}

export const acme: ErpConnector = {
  name: 'Acme',
  async getConfigData() {
    return {
      FieldMetaDataObjects: ranked([
        field('Server', { displayName: 'ERP address', access: 'Mandatory' }),
        field('ApiKey', { type: 'Password' }),
      ]),
    }
  },
  async testConfigData(_ctx, { ConnectionInfo }) {
    if (!ConnectionInfo.get('Server')) return { State: 'Error', UserExplanation: 'Enter the address of the ERP in Server.' }
    return {}
  },
  async testConnection(ctx, { connection }) {
    ctx.log.info({ server: connection.config.get('Server') }, 'acme: connection tested')
    return {}
  },
  async getSupportedActorTypes() {
    return { Items: ['Customer'] }
  },
  async getSupportedActorTypeFields(_ctx, { ActorType }) {
    customers(ActorType)
    return { FieldMetaDataObjects: CUSTOMER_FIELDS }
  },
  async getSearchableFields(_ctx, { ActorType }) {
    customers(ActorType)
    return { Items: ['NAME'] }
  },
  async getActors(_ctx, { ActorType, ErpKeys, FieldKeys }) {
    return { Actors: customers(ActorType).filter((c) => ErpKeys.includes(c.id)).map((c) => toActor(c, FieldKeys)) }
  },
  async searchActors(_ctx, { ActorType, SearchText, FieldKeys }) {
    const needle = SearchText.toLowerCase()
    return { Actors: customers(ActorType).filter((c) => c.name.toLowerCase().includes(needle)).map((c) => toActor(c, FieldKeys)) }
  },
}

/** What the server loads from a module named in CONNECTORS: a function that builds the connector. */
const createConnector: ConnectorFactory = () => acme
export default createConnector
