/**
 * The data the benchmarks use, the same for every server measured: deterministic actors and the requests for them.
 */
import type * as T from '../../generated/types.js'
import type { RawCell } from '../../src/connectors/excel/cells.js'
import { DEFAULT_MAX_ATTRIBUTES, DEFAULT_MAX_NAME_LENGTH, DEFAULT_MAX_NAMESPACE_DECLARATIONS } from '../../src/soap/xml.js'

export const TNS = 'http://www.superoffice.net/EIS/Connector/1.0'
export const ARRAYS = 'http://schemas.microsoft.com/2003/10/Serialization/Arrays'

const CITIES = ['Oslo', 'Bergen', 'Trondheim', 'Stavanger', 'Tromsø', 'Ålesund', 'Bodø', 'Drammen']

/** `count` actors with `fields` field values each: FIELD0 = name, FIELD1 = city, FIELD2 = an integer... */
export function bigActors(count: number, fields: number): T.ErpActorWS[] {
  return Array.from({ length: count }, (_, i) => {
    const values = new Map<string, string | null>()
    for (let f = 0; f < fields; f++) {
      values.set(
        `FIELD${f}`,
        f === 0 ? `Customer ${i + 1} & Sons <AS>` : f === 1 ? CITIES[i % CITIES.length]! : f === 2 ? `[I:${i % 1000}]` : f === 3 ? `[F:${(i * 1.25).toFixed(2)}]` : `value ${f}-${i}`,
      )
    }
    return { ActorType: 'Customer', ErpKey: String(i + 1), FieldValues: values, LastModified: `2026-11-27T10:${String(i % 60).padStart(2, '0')}:00.000Z`, ParentActorType: 'Unknown', ParentErpKey: '' }
  })
}

export function envelope(body: string): string {
  return `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>${body}</s:Body></s:Envelope>`
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** A WSSaveActors request body for these actors, as a .NET WCF client writes it. */
export function actorsRequest(actors: T.ErpActorWS[], guid = '3aef3af6-8642-4fc1-8dc9-4e08bd76a6bf'): string {
  const items = actors
    .map(
      (a) =>
        `<ErpActorWS><ActorType>${a.ActorType}</ActorType><ErpKey>${a.ErpKey}</ErpKey><FieldValues xmlns:d6p1="${ARRAYS}">` +
        [...a.FieldValues!].map(([k, v]) => `<d6p1:KeyValueOfstringstring><d6p1:Key>${k}</d6p1:Key><d6p1:Value>${esc(v ?? '')}</d6p1:Value></d6p1:KeyValueOfstringstring>`).join('') +
        `</FieldValues><LastModified>${a.LastModified}</LastModified><ParentActorType>Unknown</ParentActorType><ParentErpKey/></ErpActorWS>`,
    )
    .join('')
  return `<SaveActorsRequest xmlns="${TNS}"><ConnectionGuid>${guid}</ConnectionGuid><Actors xmlns:i="http://www.w3.org/2001/XMLSchema-instance">${items}</Actors></SaveActorsRequest>`
}

/** Excel rows for `count` customers under the template's Customer header. */
export function customers(count: number, header: string[]): RawCell[][] {
  const now = new Date().toISOString()
  return Array.from({ length: count }, (_, i) =>
    header.map((column): RawCell => {
      switch (column) {
        case 'ErpKey':
          return String(i + 1)
        case 'LastModified':
          return now
        case 'CustNo':
          return 10_000 + i
        case 'NAME':
          return `Customer ${i + 1} AS`
        case 'POSTALCITY':
          return CITIES[i % CITIES.length]!
        case 'CustGr':
          return String(1 + (i % 3))
        case 'CreditLimit':
          return (i % 100) * 1000.5
        case 'StartDate':
          return { serial: 43_000 + (i % 3000) }
        case 'Active':
          return i % 2 === 0
        default:
          return null
      }
    }),
  )
}

/** An element or JSON object at one of the XML reader's per-element limits; `i` makes each distinct where it matters. */
interface AtTheLimit {
  name: string
  element: (i: number) => string
  object: (i: number) => string
}

const AT_THE_LIMITS: AtTheLimit[] = [
  {
    name: `elements with ${DEFAULT_MAX_ATTRIBUTES} attributes each`,
    element: (i) => `<h${i} xmlns="urn:h"${Array.from({ length: DEFAULT_MAX_ATTRIBUTES }, (_, k) => ` a${k}="v"`).join('')}/>`,
    object: () => `{${Array.from({ length: DEFAULT_MAX_ATTRIBUTES }, (_, k) => `"a${k}":"v"`).join(',')}}`,
  },
  {
    name: `elements with ${DEFAULT_MAX_NAMESPACE_DECLARATIONS} namespace declarations each`,
    element: (i) => `<h${i}${Array.from({ length: DEFAULT_MAX_NAMESPACE_DECLARATIONS }, (_, k) => ` xmlns:p${k}="urn:p${k}"`).join('')}/>`,
    object: () => `{${Array.from({ length: DEFAULT_MAX_NAMESPACE_DECLARATIONS }, (_, k) => `"p${k}":"urn:p${k}"`).join(',')}}`,
  },
  {
    name: `elements with distinct ${DEFAULT_MAX_NAME_LENGTH}-byte names`,
    element: (i) => `<${longName(i)}/>`,
    object: (i) => `{"${longName(i)}":0}`,
  },
]

function longName(i: number): string {
  return `n${i}-`.padEnd(DEFAULT_MAX_NAME_LENGTH, 'x')
}

/**
 * Requests of at most `bytes` bytes (a WSGetConfigData envelope, which takes any header) filled with elements at each
 * of the XML reader's default limits, each with a JSON document of the same size and shape to compare with.
 */
export function requestsAtTheLimits(bytes: number): Array<{ name: string; xml: string; json: string }> {
  const fill = (part: (i: number) => string, open: string, separator: string, close: string) => {
    const parts: string[] = []
    let size = open.length + close.length
    for (let i = 0; ; i++) {
      const next = part(i)
      if (size + Buffer.byteLength(next) + separator.length > bytes) break
      parts.push(next)
      size += Buffer.byteLength(next) + separator.length
    }
    return open + parts.join(separator) + close
  }
  return AT_THE_LIMITS.map(({ name, element, object }) => ({
    name,
    xml: fill(element, `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>`, '', `</s:Header><s:Body><GetConfigData xmlns="${TNS}"/></s:Body></s:Envelope>`),
    json: fill(object, '[', ',', ']'),
  }))
}
