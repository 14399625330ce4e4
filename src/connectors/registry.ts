/**
 * The connectors a server serves, in the order CONNECTORS lists them (the first one answers a URL without
 * `?ConnectorName=`): the ones this server ships, by name, and connector modules, by path or package name, whose
 * default export builds the connector (see {@link ConnectorFactory}).
 */
import { stat } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { OPERATIONS } from '../../generated/contract.js'
import type { ErpConnector } from '../connector/connector.js'
import { StartupError } from '../startup.js'
import { createExcelConnector, workbooksDirOf } from './excel/connector.js'
import { createMemoryConnector } from './memory.js'

/** What a connector module's default export receives. */
export interface ConnectorOptions {
  /** DATA_DIR, absolute: a connector that keeps files makes a folder of its own in it. */
  dataDir: string
  /** The server's environment, for the connector's own settings (name them after the connector, such as ACME_URL). */
  env: Readonly<Record<string, string | undefined>>
}

/**
 * The default export of a connector module named in CONNECTORS.
 *
 * @example
 * // my-connector.js, started with CONNECTORS=./my-connector.js
 * export default function createConnector({ dataDir, env }) {
 *   return { name: 'Acme', async getConfigData() { ... }, ... }
 * }
 */
export type ConnectorFactory = (options: ConnectorOptions) => ErpConnector | Promise<ErpConnector>

/** Connectors by the name CONNECTORS lists them with; the Memory demo is served only when asked for. */
const SHIPPED = new Map<string, (settings: ConnectorSettings) => ErpConnector>([
  ['excel', (settings) => createExcelConnector({ workbooksDir: workbooksDirOf(settings.dataDir), maxWorkbooks: settings.maxWorkbooks })],
  ['memory', () => createMemoryConnector()],
])

export const SHIPPED_CONNECTOR_NAMES = [...SHIPPED.keys()]
export const DEFAULT_CONNECTORS: readonly string[] = ['excel']

/** A shipped connector's name (any letter case), or undefined for a module specifier. */
export function shippedName(entry: string): string | undefined {
  const name = entry.toLowerCase()
  return SHIPPED.has(name) ? name : undefined
}

export interface ConnectorSettings {
  dataDir: string
  /** What to serve, in order: shipped names and module specifiers; default {@link DEFAULT_CONNECTORS}. */
  connectors?: readonly string[]
  maxWorkbooks?: number
  /** Given to connector modules; default process.env. */
  env?: Readonly<Record<string, string | undefined>>
}

/** The shipped connectors named in `settings.connectors` (module specifiers need {@link loadConnectors}). */
export function shippedConnectors(settings: ConnectorSettings): ErpConnector[] {
  return (settings.connectors ?? DEFAULT_CONNECTORS).map((entry) => {
    const name = shippedName(entry)
    if (name === undefined) throw new TypeError(`shippedConnectors: ${entry} is not a shipped connector; use loadConnectors`)
    return SHIPPED.get(name)!(settings)
  })
}

/**
 * Builds every connector CONNECTORS lists, loading connector modules: a path (absolute, or relative to the working
 * directory, starting with ./ or ../) or the name of a package installed with this one.
 * @throws StartupError, one line saying what to do, when a module cannot be loaded, has no default export that
 * builds a connector, builds something that is not a connector, or two connectors share a name.
 */
export async function loadConnectors(settings: ConnectorSettings): Promise<ErpConnector[]> {
  const entries = settings.connectors ?? DEFAULT_CONNECTORS
  const options: ConnectorOptions = { dataDir: path.resolve(settings.dataDir), env: settings.env ?? process.env }
  const connectors: ErpConnector[] = []
  try {
    for (const entry of entries) {
      const name = shippedName(entry)
      connectors.push(name !== undefined ? SHIPPED.get(name)!(settings) : await fromModule(entry, options))
    }
    checkConnectors(connectors, (i) => entries[i]!)
  } catch (error) {
    // The ones already built may hold workers or files: a start that stops here must not leave them behind.
    await closeConnectors(connectors)
    throw error
  }
  return connectors
}

/**
 * What a server can serve: at least one connector, each a connector, no two with the same name (in any letter case,
 * as ?ConnectorName= picks them).
 * @param entry How the i-th connector was given (its CONNECTORS entry), for the message; default `connectors[i]`,
 * as startServer's option.
 * @throws StartupError, one line naming the entry and what to do.
 */
export function checkConnectors(connectors: readonly unknown[], entry?: (index: number) => string): void {
  const label = entry ?? ((i: number) => `connectors[${i}]`)
  const list = entry ? 'CONNECTORS lists' : "startServer's connectors hold"
  if (connectors.length === 0) throw new StartupError('Cannot start: no connector to serve: give startServer at least one connector in `connectors`, or leave it out to serve those CONNECTORS names.')
  const byName = new Map<string, string>()
  connectors.forEach((connector, i) => {
    const problem = notAConnector(connector)
    if (problem) throw new StartupError(`Cannot start: ${label(i)} is not a connector: ${problem} (see README, "Writing a connector").`)
    const name = (connector as ErpConnector).name
    const other = byName.get(name.toLowerCase())
    if (other !== undefined) {
      throw new StartupError(
        `Cannot start: ${list} two connectors named ${name} (${other} and ${label(i)}); ?ConnectorName= could not tell them apart: serve one of them, or give each its own name.`,
      )
    }
    byName.set(name.toLowerCase(), label(i))
  })
}

/** Stops connectors a start will not serve; a connector failing to close does not keep the others open. */
export async function closeConnectors(connectors: readonly unknown[]): Promise<void> {
  await Promise.allSettled(
    connectors.map(async (connector) => {
      const close = (connector as Partial<ErpConnector> | null | undefined)?.close
      if (typeof close === 'function') await close.call(connector)
    }),
  )
}

/** The methods a connector implements, one per operation of the contract (WSGetConfigData: getConfigData). */
const CONNECTOR_METHODS = Object.values(OPERATIONS).map((operation) => operation.method)

async function fromModule(specifier: string, options: ConnectorOptions): Promise<ErpConnector> {
  const cannot = (what: string) => new StartupError(`Cannot start: CONNECTORS names "${specifier}", ${oneLine(what)}`)
  const isPath = path.isAbsolute(specifier) || /^\.\.?([\\/]|$)/.test(specifier)
  let url = specifier
  if (isPath) {
    const file = path.resolve(specifier)
    const found = await stat(file).catch(() => undefined)
    if (!found) throw cannot(`and there is no file ${file}: give the path of a connector module, absolute or relative to the working directory ${process.cwd()}.`)
    if (found.isDirectory()) throw cannot(`which is a folder: give the path of the module file in it (such as ${specifier.replace(/[\\/]$/, '')}/index.js).`)
    url = pathToFileURL(file).href
  }
  let module: { default?: unknown }
  try {
    module = (await importWithoutModuleTypeWarnings(url)) as { default?: unknown }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ERR_REQUIRE_ESM' || code === 'ERR_REQUIRE_ASYNC_MODULE') {
      throw cannot(`whose module failed to load: ${describe(error)}: CommonJS require()s an ES module there: make the connector an ES module (a .mjs file, or "type": "module" in the package.json of its project) and import it.`)
    }
    const dependency = isEsmReadAsCommonJs(error) ? otherFileAtFault(error, url) : undefined
    if (dependency !== undefined) {
      throw cannot(
        `whose module failed to load: ${describe(error)}: a module it imports, ${dependency}, is an ES module its package.json declares CommonJS: fix or update that package, or import another version.`,
      )
    }
    if (isEsmReadAsCommonJs(error)) {
      throw cannot(
        `whose module failed to load: ${describe(error)}: Node read it as CommonJS, but it is an ES module (import, export): name the file .mjs, or set "type": "module" in the package.json of its project.`,
      )
    }
    if (!isPath && code === 'ERR_MODULE_NOT_FOUND' && new RegExp(`'${escapeRegExp(specifier)}'`).test(String((error as Error).message))) {
      const hint = /\.[cm]?[jt]s$/.test(specifier) ? ` To load a file, start its path with ./ (./${specifier}).` : ''
      throw cannot(`which is neither a connector this server ships (${SHIPPED_CONNECTOR_NAMES.join(', ')}) nor an installed package: install it next to erp-connector-ws (npm install), or give the path of a connector module.${hint}`)
    }
    throw cannot(`whose module failed to load: ${describe(error)}. Fix the module, or remove it from CONNECTORS.`)
  }
  if (typeof module.default !== 'function') {
    throw cannot('which has no default export that builds a connector: export default function createConnector({ dataDir, env }) { return connector } (see README, "Writing a connector").')
  }
  let connector: unknown
  try {
    connector = await (module.default as ConnectorFactory)(options)
  } catch (error) {
    throw cannot(`whose default export failed to build the connector: ${describe(error)}.`)
  }
  const problem = notAConnector(connector)
  if (problem) throw cannot(`whose default export built something that is not a connector: ${problem} (see README, "Writing a connector").`)
  return connector as ErpConnector
}

/**
 * What keeps `value` from being a connector, or undefined when it is one: an object with a name, whose connector
 * methods are functions, with at least one of them (a method left out answers the operation as not supported).
 */
function notAConnector(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return `it returned ${value === null ? 'null' : typeof value}, not an object`
  const candidate = value as Record<string, unknown>
  if (typeof candidate.name !== 'string' || candidate.name.trim() === '') return 'it has no name (a non-empty string, what ?ConnectorName= picks it by)'
  const notFunctions = CONNECTOR_METHODS.filter((method) => candidate[method] !== undefined && typeof candidate[method] !== 'function')
  if (notFunctions.length > 0) return `${candidate.name} has ${notFunctions.join(', ')} that ${notFunctions.length > 1 ? 'are not functions' : 'is not a function'}`
  if (!CONNECTOR_METHODS.some((method) => typeof candidate[method] === 'function')) return `${candidate.name} has none of the connector methods, such as getConfigData, testConnection or getActors`
  return undefined
}

/** An ES module (import, export) that Node loaded as CommonJS: a .js file in a project whose package.json says "type": "commonjs", as `npm init -y` writes it. */
/**
 * The file a SyntaxError is in (the first line of its stack), when it is not the connector module itself: named by
 * its package (node_modules/NAME/…) or its path relative to the working directory.
 */
function otherFileAtFault(error: unknown, connectorUrl: string): string | undefined {
  const file = /^(\/[^\n]*?|[A-Za-z]:\\[^\n]*?):\d+$/m.exec(String((error as Error).stack ?? '').split('\n')[0] ?? '')?.[1]
  if (file === undefined || connectorUrl === pathToFileURL(file).href) return undefined
  const inPackage = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file)?.[1]
  return inPackage !== undefined ? `the package ${inPackage.replace(/\\/g, '/')}` : path.relative(process.cwd(), file)
}

function isEsmReadAsCommonJs(error: unknown): boolean {
  return error instanceof SyntaxError && /Cannot use import statement outside a module|Unexpected token 'export'/.test(error.message)
}

const isModuleTypeWarning = (warning: Error) =>
  (warning as NodeJS.ErrnoException).code === 'MODULE_TYPELESS_PACKAGE_JSON' || /To load an ES module, set "type": "module"/.test(warning.message)
let moduleTypeWarningsQuiet = false

/**
 * import(), and from then on none of the warnings Node prints over several lines when a module's type is not the one
 * its package.json says: a start failure is one line (the error then says what to do, see isEsmReadAsCommonJs), and
 * a module Node found to be ES by its syntax loads as well as any other. Other warnings are printed as before. The
 * filter stays: Node emits the warning on a later turn than the import ends on. (Under module hooks, such as
 * node --import tsx, modules load on the hooks' thread, which prints its own warnings.)
 */
async function importWithoutModuleTypeWarnings(url: string): Promise<unknown> {
  if (!moduleTypeWarningsQuiet) {
    moduleTypeWarningsQuiet = true
    // Only Node's own printer (onWarning) is wrapped: listeners the embedding program added stay as they are.
    const nodePrinter = process.listeners('warning').find((listener) => listener.name === 'onWarning')
    if (nodePrinter) {
      process.off('warning', nodePrinter)
      process.on('warning', (warning) => {
        if (!isModuleTypeWarning(warning)) nodePrinter.call(process, warning)
      })
    }
  }
  return import(url)
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}

/** Start-up failures are one line: a module's error message may span several. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ')
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
