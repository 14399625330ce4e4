/**
 * What `npm start` checks in its surroundings, and how it reports what it finds there: a start-up failure the
 * operator fixes (a port in use, an unknown HOST, a DATA_DIR that cannot be written) is one line saying what to do,
 * like a configuration error, and the addresses a client can use are shown when HOST is a wildcard.
 */
import { randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import { networkInterfaces } from 'node:os'
import path from 'node:path'

/** The machine stops the server from starting as configured; the message says what to do. Exits 2, as ConfigError. */
export class StartupError extends Error {
  override readonly name = 'StartupError'
}

/** The connection database cannot be used at start. Exits 2 when the operator can fix it (EMBEDDED_DB_PORT taken), else 1. */
export class DatabaseStartError extends Error {
  override readonly name = 'DatabaseStartError'
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message)
  }
}

/** Fails early, before the embedded database starts, when DATA_DIR cannot be created or written. */
export async function checkDataDir(dataDir: string): Promise<void> {
  const dir = path.resolve(dataDir)
  const probe = path.join(dir, `.write-check-${process.pid}-${randomBytes(4).toString('hex')}`)
  try {
    await fs.mkdir(dir, { recursive: true })
    await fs.writeFile(probe, '', { flag: 'wx' })
    await fs.unlink(probe)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error'
    throw new StartupError(`Cannot start: DATA_DIR=${dataDir} cannot be written (${code}): set DATA_DIR to a folder this user can create and write.`)
  }
}

/** The StartupError for an error of listen() the operator can fix, or undefined for any other. */
export function listenFailure(error: unknown, host: string, port: number): StartupError | undefined {
  switch ((error as NodeJS.ErrnoException | undefined)?.code) {
    case 'EADDRINUSE':
      return new StartupError(`Cannot start: PORT=${port} on HOST=${host} is in use by another program: stop that program, or set PORT to a free port.`)
    case 'EACCES':
      return new StartupError(`Cannot start: this user may not listen on PORT=${port}: set PORT to 1024 or above (and forward the port), or grant the right to bind it.`)
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartupError(`Cannot start: HOST=${host} does not resolve to an address: set HOST to an address of this machine, such as 127.0.0.1 or 0.0.0.0.`)
    case 'EADDRNOTAVAIL':
      return new StartupError(`Cannot start: HOST=${host} is not an address of this machine: set HOST to one of its addresses, such as 127.0.0.1 or 0.0.0.0.`)
    default:
      return undefined
  }
}

/**
 * The hosts a client can reach the server on: for a wildcard HOST (0.0.0.0, ::), this machine's non-loopback
 * addresses (the loopback ones when it has none), IPv6 in brackets; otherwise HOST itself.
 */
export function reachableHosts(host: string): string[] {
  const bracket = (address: string) => (address.includes(':') ? `[${address}]` : address)
  const wildcard = host === '0.0.0.0' || host === '::' || host === '[::]'
  if (!wildcard) return [bracket(host.replace(/^\[|\]$/g, ''))]
  // Listening on :: accepts IPv4 too. Link-local IPv6 addresses need an interface name, which URLs do not carry well.
  const families = host === '0.0.0.0' ? ['IPv4'] : ['IPv4', 'IPv6']
  const all = Object.values(networkInterfaces())
    .flat()
    .filter((address) => address !== undefined && families.includes(address.family) && !address.address.startsWith('fe80:'))
  const external = all.filter((address) => !address!.internal)
  return (external.length > 0 ? external : all).map((address) => bracket(address!.address))
}
