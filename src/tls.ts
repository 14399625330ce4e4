/**
 * HTTPS built in: TLS_CERT_FILE and TLS_KEY_FILE (PEM) are read at start, and read again when either file changes
 * or on SIGHUP, so that a renewed certificate is served without a restart. The files are polled (stat) rather than
 * watched with fs.watch, which loses track of a file replaced by rename or through a symlink, as certbot does.
 */
import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs'
import { createSecureContext } from 'node:tls'
import { X509Certificate } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'

export interface TlsConfig {
  certFile: string
  keyFile: string
}

export interface TlsFiles {
  cert: Buffer
  key: Buffer
}

/** The TLS settings, or undefined when neither is set; each problem is added to `problems`. */
export function loadTlsConfig(env: NodeJS.ProcessEnv, problems: string[]): TlsConfig | undefined {
  const certFile = env.TLS_CERT_FILE?.trim() ?? ''
  const keyFile = env.TLS_KEY_FILE?.trim() ?? ''
  if (!certFile && !keyFile) return undefined
  if (!certFile || !keyFile) {
    problems.push(`${certFile ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE'} is not set: HTTPS needs both TLS_CERT_FILE (the certificate chain, PEM) and TLS_KEY_FILE (its private key, PEM)`)
    return undefined
  }
  try {
    readTlsFiles({ certFile, keyFile })
  } catch (error) {
    problems.push((error as Error).message)
    return undefined
  }
  return { certFile, keyFile }
}

/** Reads and checks the pair (the key must fit the certificate); the error says which file is wrong and how. */
export function readTlsFiles(config: TlsConfig): TlsFiles {
  const read = (name: string, file: string) => {
    try {
      return readFileSync(file)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      throw new Error(`${name}="${file}" cannot be read: ${code === 'ENOENT' ? 'there is no such file' : code === 'EACCES' ? 'this server may not read it' : (error as Error).message}`)
    }
  }
  const files = { cert: read('TLS_CERT_FILE', config.certFile), key: read('TLS_KEY_FILE', config.keyFile) }
  try {
    createSecureContext(files)
  } catch (error) {
    const message = (error as Error).message
    const hint = /key values mismatch/i.test(message)
      ? 'the key in TLS_KEY_FILE is not the key of the certificate in TLS_CERT_FILE'
      : `they are not a PEM certificate chain and its PEM private key (${message})`
    throw new Error(`TLS_CERT_FILE="${config.certFile}" and TLS_KEY_FILE="${config.keyFile}" are not usable: ${hint}`)
  }
  return files
}

/** What a log line says about a certificate. */
export function describeCertificate(cert: Buffer): Record<string, string> {
  try {
    const x509 = new X509Certificate(cert)
    return { subject: x509.subject.replace(/\n/g, ', '), serialNumber: x509.serialNumber, validTo: new Date(x509.validTo).toISOString() }
  } catch {
    return {}
  }
}

export interface CertificateWatch {
  /** Reads the files again and serves them if they are a good pair; true when it did. */
  reload(why: string): boolean
  close(): void
}

/**
 * Serves the files' certificate from now on whenever they change (polled every `intervalMs`) or `reload` is called.
 * A pair that does not fit (a renewal half written) is logged and the current certificate kept.
 *
 * @example const watch = watchCertificate(app.server as https.Server, config.tls, app.log); process.on('SIGHUP', () => watch.reload('SIGHUP'))
 */
export function watchCertificate(
  server: { setSecureContext(options: TlsFiles): void },
  config: TlsConfig,
  log: FastifyBaseLogger,
  options: { intervalMs?: number } = {},
): CertificateWatch {
  const reload = (why: string): boolean => {
    let files: TlsFiles
    try {
      files = readTlsFiles(config)
    } catch (error) {
      log.warn(`TLS certificate not reloaded (${why}), the current one is still served: ${(error as Error).message}`)
      return false
    }
    server.setSecureContext(files)
    log.info({ certificate: describeCertificate(files.cert) }, `TLS certificate reloaded (${why})`)
    return true
  }
  const onChange = (file: string) => (now: Stats, before: Stats) => {
    if (now.mtimeMs !== before.mtimeMs || now.size !== before.size || now.ino !== before.ino) reload(`${file} changed`)
  }
  const watchOptions = { interval: options.intervalMs ?? 10_000, persistent: false }
  const certListener = onChange(config.certFile)
  const keyListener = onChange(config.keyFile)
  watchFile(config.certFile, watchOptions, certListener)
  watchFile(config.keyFile, watchOptions, keyListener)
  return {
    reload,
    close() {
      unwatchFile(config.certFile, certListener)
      unwatchFile(config.keyFile, keyListener)
    },
  }
}
