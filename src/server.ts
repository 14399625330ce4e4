/**
 * Builds the HTTP server: the IErpConnectorWS SOAP endpoint for a set of connectors, and /healthz.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { ErpConnectorWS } from '../generated/service.js'
import type { ConnectionStore } from './connections/store.js'
import type { ErpConnector } from './connector/connector.js'
import { createConnectorHost } from './connector/host.js'
import { soapPlugin } from './soap/plugin.js'

export const ENDPOINT_PATH = '/ErpConnectorWS.svc'
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export interface ServerOptions {
  connectors: readonly ErpConnector[]
  store: ConnectionStore
  /** Largest SOAP request accepted, in bytes. */
  bodyLimit?: number
  /** Deepest element nesting accepted in a request. */
  maxDepth?: number
  /** Per-element and per-name limits on a request's XML (see soapPlugin). */
  maxAttributes?: number
  maxNamespaceDeclarations?: number
  maxNameLength?: number
  /** Honour X-Forwarded-Proto/-Host (and -For) from a reverse proxy. */
  trustProxy?: boolean
  logger?: FastifyServerOptions['logger']
}

/**
 * @example
 * const app = await buildServer({ connectors: [createMemoryConnector()], store })
 * await app.listen({ port: 8080 })
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    // One log line per SOAP call is written by the plugin, with the operation and outcome.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: options.trustProxy ?? false,
    // IIS-hosted WCF endpoints match paths case-insensitively; clients copy URLs in any case.
    routerOptions: { caseSensitive: false },
  })
  const wsdl = await readFile(path.join(PROJECT_ROOT, ErpConnectorWS.wsdlFile), 'utf8')
  const host = createConnectorHost({ connectors: options.connectors, store: options.store })
  await app.register(soapPlugin, {
    path: ENDPOINT_PATH,
    service: ErpConnectorWS,
    wsdl,
    ...host,
    ...(options.bodyLimit !== undefined ? { bodyLimit: options.bodyLimit } : {}),
    ...(options.maxDepth !== undefined ? { maxDepth: options.maxDepth } : {}),
    ...(options.maxAttributes !== undefined ? { maxAttributes: options.maxAttributes } : {}),
    ...(options.maxNamespaceDeclarations !== undefined ? { maxNamespaceDeclarations: options.maxNamespaceDeclarations } : {}),
    ...(options.maxNameLength !== undefined ? { maxNameLength: options.maxNameLength } : {}),
  })
  app.get('/healthz', async (_request, reply) => {
    const store = await options.store.health()
    return reply.code(store.ok ? 200 : 503).send({ status: store.ok ? 'ok' : 'degraded', store })
  })
  app.addHook('onClose', async () => {
    for (const connector of options.connectors) await connector.close?.()
    await options.store.close()
  })
  return app
}
