/**
 * Connection GUIDs travel as strings. SuperOffice's samples read them with `new Guid(string)`, so every format that
 * constructor takes is accepted (N, D, B, P); the canonical form stored and logged is lower-case D.
 */
const FORMATS = [
  /^([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/i,
  /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i,
  /^\{([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}$/i,
  /^\(([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\)$/i,
]

/** SuperOffice Admin sends this for configuration lists before a connection is saved. */
export const EMPTY_GUID = '00000000-0000-0000-0000-000000000000'

/**
 * The canonical form of a GUID string, or undefined when it is not one.
 *
 * @example normalizeGuid('{3AEF3AF6-8642-4FC1-8DC9-4E08BD76A6BF}') === '3aef3af6-8642-4fc1-8dc9-4e08bd76a6bf'
 */
export function normalizeGuid(raw: string | null | undefined): string | undefined {
  if (raw == null) return undefined
  const text = raw.trim()
  for (const format of FORMATS) {
    const m = format.exec(text)
    if (m) return m.slice(1).join('-').toLowerCase()
  }
  return undefined
}
