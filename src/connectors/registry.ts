/**
 * The connectors this server ships, in the order they answer: the first one serves a URL without
 * `?ConnectorName=`. Add a connector here to serve it.
 */
import type { ErpConnector } from '../connector/connector.js'
import { createExcelConnector, workbooksDirOf } from './excel/connector.js'
import { createMemoryConnector } from './memory.js'

/** Connectors by the name CONNECTORS lists them with; the Memory demo is served only when asked for. */
const SHIPPED = {
  excel: (settings: ConnectorSettings) => createExcelConnector({ workbooksDir: workbooksDirOf(settings.dataDir), maxWorkbooks: settings.maxWorkbooks }),
  memory: () => createMemoryConnector(),
} as const

export type ShippedConnectorName = keyof typeof SHIPPED
export const SHIPPED_CONNECTOR_NAMES = Object.keys(SHIPPED) as ShippedConnectorName[]
export const DEFAULT_CONNECTORS: readonly ShippedConnectorName[] = ['excel']

export interface ConnectorSettings {
  dataDir: string
  /** Which connectors to serve, in order; default {@link DEFAULT_CONNECTORS}. */
  connectors?: readonly ShippedConnectorName[]
  maxWorkbooks?: number
}

export function shippedConnectors(settings: ConnectorSettings): ErpConnector[] {
  return (settings.connectors ?? DEFAULT_CONNECTORS).map((name) => SHIPPED[name](settings))
}
