/**
 * CRM Online settings from the environment (SUPEROFFICE_CLIENT_ID, SUPEROFFICE_PRIVATE_KEY, SUPEROFFICE_JWKS),
 * checked at start with the rest of the configuration.
 */
import { readFileSync } from 'node:fs'
import type { KeyObject } from 'node:crypto'
import { KeyFileError, parsePrivateKey, parseSigningKeys } from './keys.js'
import { ENVIRONMENT_URLS, type KeySource } from './signing-keys.js'

export interface OnlineConfig {
  clientIds: string[]
  privateKey: KeyObject
  keySources: KeySource[]
}

/** The Online settings, or undefined when they are not set; each problem is added to `problems`. */
export function loadOnlineConfig(env: NodeJS.ProcessEnv, problems: string[]): OnlineConfig | undefined {
  const clientIdsRaw = env.SUPEROFFICE_CLIENT_ID?.trim() ?? ''
  const keyFile = env.SUPEROFFICE_PRIVATE_KEY?.trim() ?? ''
  const jwksRaw = env.SUPEROFFICE_JWKS?.trim() ?? ''
  if (!clientIdsRaw && !keyFile) {
    if (jwksRaw) problems.push('SUPEROFFICE_JWKS is set but SUPEROFFICE_CLIENT_ID and SUPEROFFICE_PRIVATE_KEY are not: set them too (see README, "SuperOffice CRM Online"), or unset SUPEROFFICE_JWKS')
    return undefined
  }
  const before = problems.length
  if (!clientIdsRaw) problems.push("SUPEROFFICE_CLIENT_ID is not set: give the application's client id from the SuperOffice Developer Portal (several, one per environment, separated by commas)")
  if (!keyFile) problems.push("SUPEROFFICE_PRIVATE_KEY is not set: give the path of the application's private key file (the RSA XML from the Developer Portal, or PEM)")

  const clientIds = clientIdsRaw.split(',').map((id) => id.trim())
  if (clientIdsRaw && clientIds.some((id) => !/^[A-Za-z0-9._-]{1,128}$/.test(id))) {
    problems.push(`SUPEROFFICE_CLIENT_ID="${clientIdsRaw}" is not valid: use client ids (letters, digits, "-", "_", ".") separated by commas`)
  }

  let privateKey: KeyObject | undefined
  if (keyFile) {
    try {
      privateKey = parsePrivateKey(readFileSync(keyFile, 'utf8'))
    } catch (error) {
      problems.push(`SUPEROFFICE_PRIVATE_KEY="${keyFile}" is not usable: ${describe(error)}`)
    }
  }

  const keySources: KeySource[] = []
  for (const entry of (jwksRaw || 'online').split(',').map((s) => s.trim())) {
    const environment = ENVIRONMENT_URLS[entry.toLowerCase()]
    if (environment) keySources.push({ kind: 'url', url: environment })
    else if (/^https:\/\//i.test(entry)) {
      try {
        keySources.push({ kind: 'url', url: new URL(entry).toString() })
      } catch {
        problems.push(`SUPEROFFICE_JWKS: "${entry}" is not a valid URL`)
      }
    } else if (/^[a-z]+:\/\//i.test(entry)) {
      problems.push(`SUPEROFFICE_JWKS: "${entry}" is not https; SuperOffice's keys must be fetched over https`)
    } else if (entry === '') {
      problems.push('SUPEROFFICE_JWKS has an empty entry: use sod, stage, online, an https URL or a file path, separated by commas')
    } else {
      try {
        keySources.push({ kind: 'file', path: entry, keys: parseSigningKeys(readFileSync(entry, 'utf8')) })
      } catch (error) {
        problems.push(`SUPEROFFICE_JWKS: "${entry}" is not sod, stage, online or an https URL, and as a file it is not usable: ${describe(error)}`)
      }
    }
  }
  if (problems.length > before || !privateKey) return undefined
  return { clientIds, privateKey, keySources }
}

function describe(error: unknown): string {
  if (error instanceof KeyFileError) return error.message
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT') return 'there is no such file'
  if (code === 'EACCES') return 'this server may not read it'
  if (code === 'EISDIR') return 'it is a folder, not a file'
  return error instanceof Error ? error.message : String(error)
}
