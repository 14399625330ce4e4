/**
 * Starts the real server on a loopback port with a real connection store, for tests that talk HTTP to it.
 */
import type { FastifyInstance } from 'fastify'
import type { SecretBox } from '../../src/connections/secrets.js'
import { SqlConnectionStore } from '../../src/connections/sql-store.js'
import type { ErpConnector } from '../../src/connector/connector.js'
import { createMemoryConnector } from '../../src/connectors/memory.js'
import { buildServer, ENDPOINT_PATH, type ServerOptions } from '../../src/server.js'
import { createTestDatabase, type Backend, type TestDatabase } from './database.js'

export interface TestServer {
  app: FastifyInstance
  /** http://127.0.0.1:PORT */
  origin: string
  /** The SOAP endpoint URL. */
  endpoint: string
  testDatabase: TestDatabase
  close(): Promise<void>
}

export async function startTestServer(
  options: Partial<Omit<ServerOptions, 'store'>> & {
    connectors?: readonly ErpConnector[]
    backend?: Backend
    testDatabase?: TestDatabase
    secrets?: SecretBox
  } = {},
): Promise<TestServer> {
  const testDatabase = options.testDatabase ?? (await createTestDatabase(options.backend))
  const store = new SqlConnectionStore(testDatabase.database, { secrets: options.secrets })
  const app = await buildServer({ ...options, connectors: options.connectors ?? [createMemoryConnector()], store })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const origin = `http://127.0.0.1:${port}`
  return {
    app,
    origin,
    endpoint: origin + ENDPOINT_PATH,
    testDatabase,
    async close() {
      await app.close()
      if (!options.testDatabase) await testDatabase.drop()
    },
  }
}
