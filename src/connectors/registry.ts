/**
 * The connectors this server ships, in the order they answer: the first one serves a URL without
 * `?ConnectorName=`. Add a connector here to serve it.
 */
import type { ErpConnector } from '../connector/connector.js'
import { createExcelConnector, workbooksDirOf } from './excel/connector.js'
import { createMemoryConnector } from './memory.js'

export interface ConnectorSettings {
  dataDir: string
}

export function shippedConnectors(settings: ConnectorSettings): ErpConnector[] {
  return [createExcelConnector({ workbooksDir: workbooksDirOf(settings.dataDir) }), createMemoryConnector()]
}
