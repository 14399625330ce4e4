/**
 * Builds the HTTP server: the IErpConnectorWS SOAP endpoint for a set of connectors, and /healthz.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify'
import { ErpConnectorWS } from '../generated/service.js'
import { createAccessGuard } from './access.js'
import type { ConnectionStore } from './connections/store.js'
import type { ErpConnector } from './connector/connector.js'
import { createConnectorHost } from './connector/host.js'
import { PROJECT_ROOT } from './layout.js'
import { createMetrics, type MetricsAccess, type MetricsSources } from './metrics.js'
import { authenticateRoute, OnlineAuthenticator } from './online/authenticate.js'
import { DEFAULT_BODY_LIMIT, soapPlugin } from './soap/plugin.js'
import { discardRestOfBody } from './soap/transport.js'

export const ENDPOINT_PATH = '/ErpConnectorWS.svc'
export { PROJECT_ROOT }

/** How long a client may take, in milliseconds, before the server closes its connection. */
export interface Timeouts {
  /** To send a request's headers. */
  headersTimeoutMs: number
  /** To send a whole request, headers and body. */
  requestTimeoutMs: number
  /** To start its next request on a kept-alive connection. */
  idleTimeoutMs: number
}

export const DEFAULT_TIMEOUTS: Timeouts = { headersTimeoutMs: 10_000, requestTimeoutMs: 60_000, idleTimeoutMs: 30_000 }

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
  timeouts?: Partial<Timeouts>
  /** When given, the endpoint is /<token>/ErpConnectorWS.svc for any one of them, and nothing else answers there. */
  accessTokens?: readonly string[]
  logger?: FastifyServerOptions['logger']
  /** CRM Online's Authenticate handshake; unset, it answers that it is not configured. */
  online?: OnlineAuthenticator
  /** Serve HTTPS with this PEM certificate chain and key (src/tls.ts serves renewals). */
  https?: { cert: string | Buffer; key: string | Buffer }
  /** GET /metrics (see src/metrics.ts): `token` serves it only at /<token>/metrics, and needs accessTokens. */
  metrics?: { access: MetricsAccess; pools?: MetricsSources['pools'] }
}

/**
 * @example
 * const app = await buildServer({ connectors: [createMemoryConnector()], store })
 * await app.listen({ port: 8080 })
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts }
  const connectionLimits = {
    headersTimeout: timeouts.headersTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(timeouts.headersTimeoutMs / 4))),
  }
  const app = Fastify({
    // Slow or stalled clients must not hold connections: Node checks the headers and request deadlines of open
    // connections every connectionsCheckingInterval.
    requestTimeout: timeouts.requestTimeoutMs,
    keepAliveTimeout: timeouts.idleTimeoutMs,
    http: connectionLimits,
    logger: options.logger ?? false,
    // One log line per SOAP call is written by the plugin, with the operation and outcome.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: options.trustProxy ?? false,
    // IIS-hosted WCF endpoints match paths case-insensitively; clients copy URLs in any case.
    routerOptions: { caseSensitive: false },
    // https options are also http.Server options: without the limits, an HTTPS server would use Node's defaults.
    ...(options.https ? { https: { ...options.https, ...connectionLimits, handshakeTimeout: timeouts.headersTimeoutMs } } : {}),
  }) as unknown as FastifyInstance
  const wsdl = await readFile(path.join(PROJECT_ROOT, ErpConnectorWS.wsdlFile), 'utf8')
  const host = createConnectorHost({ connectors: options.connectors, store: options.store })
  const tokens = options.accessTokens ?? []
  const metricsAccess = options.metrics?.access ?? 'off'
  if (metricsAccess === 'token' && tokens.length === 0) throw new TypeError('buildServer: metrics under the access token need accessTokens')
  const metrics = metricsAccess === 'off' ? undefined : await createMetrics({ connectors: options.connectors, pools: options.metrics?.pools })
  const serveMetrics = async (_request: unknown, reply: FastifyReply) => reply.header('content-type', metrics!.contentType).send(await metrics!.text())
  await app.register(async (scope) => {
    if (tokens.length > 0) {
      const guard = createAccessGuard(tokens, {
        onRefused: (request) => discardRestOfBody(request.raw, options.bodyLimit ?? DEFAULT_BODY_LIMIT),
      })
      scope.addHook('onRequest', guard.check)
      // Without its token, the endpoint's own path is refused (and counted) like a wrong token.
      scope.route({ method: ['GET', 'POST'], url: ENDPOINT_PATH, handler: async (_request, reply) => reply.code(404).send() })
      if (metricsAccess === 'token') scope.get('/:accessToken/metrics', serveMetrics)
    }
    await scope.register(soapPlugin, {
      path: tokens.length > 0 ? `/:accessToken${ENDPOINT_PATH}` : ENDPOINT_PATH,
      service: ErpConnectorWS,
      wsdl,
      ...host,
      otherAction: authenticateRoute(options.online ?? new OnlineAuthenticator(undefined)),
      ...(metrics ? { onCall: metrics.onCall, onFault: metrics.onFault } : {}),
      ...(options.bodyLimit !== undefined ? { bodyLimit: options.bodyLimit } : {}),
      ...(options.maxDepth !== undefined ? { maxDepth: options.maxDepth } : {}),
      ...(options.maxAttributes !== undefined ? { maxAttributes: options.maxAttributes } : {}),
      ...(options.maxNamespaceDeclarations !== undefined ? { maxNamespaceDeclarations: options.maxNamespaceDeclarations } : {}),
      ...(options.maxNameLength !== undefined ? { maxNameLength: options.maxNameLength } : {}),
    })
  })
  if (metricsAccess === 'on') app.get('/metrics', serveMetrics)
  // Open to anyone, so it says only whether the server can serve; what is wrong goes to the log.
  app.get('/healthz', async (request, reply) => {
    const store = await options.store.health()
    if (!store.ok) request.log.warn({ store }, 'healthz: the connection database does not answer')
    return reply.code(store.ok ? 200 : 503).send({ status: store.ok ? 'ok' : 'unavailable' })
  })
  app.addHook('onClose', async () => {
    for (const connector of options.connectors) await connector.close?.()
    await options.store.close()
  })
  return app
}
