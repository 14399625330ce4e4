/**
 * Request bodies for the actor operations, and reading actors out of responses, for tests that drive a connector
 * over SOAP.
 */
import type { XmlElement } from '../../src/soap/xml.js'
import { ARRAYS, child, pairs, TNS } from './soap.js'

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;')
const strings = (items: string[]) => `<a:string xmlns:a="${ARRAYS}">` + items.map(esc).join(`</a:string><a:string xmlns:a="${ARRAYS}">`) + '</a:string>'
const list = (tag: string, items: string[]) => (items.length === 0 ? `<${tag}/>` : `<${tag}>${strings(items)}</${tag}>`)
const dictionary = (tag: string, values: Array<[string, string | null]>) =>
  `<${tag} xmlns:a="${ARRAYS}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">` +
  values.map(([k, v]) => `<a:KeyValueOfstringstring><a:Key>${esc(k)}</a:Key>${v === null ? '<a:Value i:nil="true"/>' : `<a:Value>${esc(v)}</a:Value>`}</a:KeyValueOfstringstring>`).join('') +
  `</${tag}>`

export interface ActorInput {
  ActorType: string
  ErpKey?: string
  values: Array<[string, string | null]>
  ParentActorType?: string
  ParentErpKey?: string
}

function actorXml(a: ActorInput, tag = 'ErpActorWS'): string {
  return `<${tag}><ActorType>${a.ActorType}</ActorType><ErpKey>${esc(a.ErpKey ?? '')}</ErpKey>${dictionary('FieldValues', a.values)}<LastModified/><ParentActorType>${a.ParentActorType ?? 'Unknown'}</ParentActorType><ParentErpKey>${esc(a.ParentErpKey ?? '')}</ParentErpKey></${tag}>`
}

export const body = {
  configData: () => `<WSGetConfigData xmlns="${TNS}"/>`,
  testConfig: (config: Array<[string, string | null]>) => `<TestConfigDataRequest xmlns="${TNS}">${dictionary('ConnectionInfo', config)}</TestConfigDataRequest>`,
  save: (guid: string, config: Array<[string, string | null]>) => `<SaveConnectionRequest xmlns="${TNS}"><ConnectionGuid>${guid}</ConnectionGuid>${dictionary('ConnectionInfo', config)}</SaveConnectionRequest>`,
  base: (guid: string) => `<RequestBase xmlns="${TNS}"><ConnectionGuid>${guid}</ConnectionGuid></RequestBase>`,
  typeFields: (guid: string, type: string) => `<GetSupportedActorTypeFieldsRequest xmlns="${TNS}"><ConnectionGuid>${guid}</ConnectionGuid><ActorType>${type}</ActorType></GetSupportedActorTypeFieldsRequest>`,
  searchable: (guid: string, type: string) => `<GetSearchableFieldsRequest xmlns="${TNS}"><ConnectionGuid>${guid}</ConnectionGuid><ActorType>${type}</ActorType></GetSearchableFieldsRequest>`,
  get: (guid: string, type: string, keys: string[], fields: string[]) =>
    `<GetActorsRequest xmlns="${TNS}"><ConnectionGuid>${guid}</ConnectionGuid><ActorType>${type}</ActorType>${list('ErpKeys', keys)}${list('FieldKeys', fields)}</GetActorsRequest>`,
  search: (guid: string, type: string, text: string, fields: string[]) =>
    `<SearchActorsRequest xmlns="${TNS}"><ConnectionGuid>${guid}</ConnectionGuid><ActorType>${type}</ActorType><SearchText>${esc(text)}</SearchText>${list('FieldKeys', fields)}</SearchActorsRequest>`,
  byParent: (guid: string, type: string, text: string, parentType: string, parentKey: string, fields: string[]) =>
    `<SearchActorByParentRequest xmlns="${TNS}"><ConnectionGuid>${guid}</ConnectionGuid><ActorType>${type}</ActorType><SearchText>${esc(text)}</SearchText><ParentActorType>${parentType}</ParentActorType><ParentActorErpKey>${parentKey}</ParentActorErpKey>${list('FieldKeys', fields)}</SearchActorByParentRequest>`,
  advanced: (guid: string, type: string, restrictions: Array<[string, string, string[]]>, fields: string[]) =>
    `<SearchActorsAdvancedRequest xmlns="${TNS}"><ConnectionGuid>${guid}</ConnectionGuid><ActorType>${type}</ActorType><Restrictions>` +
    restrictions.map(([key, op, values]) => `<SearchRestrictionInfoWS><FieldKey>${key}</FieldKey><Operator>${esc(op)}</Operator><ScalarValue>${esc(values[0] ?? '')}</ScalarValue>${list('Values', values)}</SearchRestrictionInfoWS>`).join('') +
    `</Restrictions>${list('FieldKeys', fields)}</SearchActorsAdvancedRequest>`,
  create: (guid: string, actor: ActorInput) => `<CreateActorRequest xmlns="${TNS}"><ConnectionGuid>${guid}</ConnectionGuid>${actorXml(actor, 'Actor')}</CreateActorRequest>`,
  saveActors: (guid: string, actors: ActorInput[]) => `<SaveActorsRequest xmlns="${TNS}"><ConnectionGuid>${guid}</ConnectionGuid><Actors>${actors.map((a) => actorXml(a)).join('')}</Actors></SaveActorsRequest>`,
  list: (guid: string, name: string) => `<GetListRequest xmlns="${TNS}"><ConnectionGuid>${guid}</ConnectionGuid><ListName>${name}</ListName></GetListRequest>`,
  listItems: (guid: string, name: string, keys: string[]) => `<GetListItemsRequest xmlns="${TNS}"><ConnectionGuid>${guid}</ConnectionGuid><ListName>${name}</ListName>${list('ListItemKeys', keys)}</GetListItemsRequest>`,
  byTimestamp: (guid: string, since: string, type: string, fields: string[]) =>
    `<GetActorsByTimestampRequest xmlns="${TNS}"><ConnectionGuid>${guid}</ConnectionGuid><UpdatedOnOrAfter>${esc(since)}</UpdatedOnOrAfter><ActorType>${type}</ActorType>${list('FieldKeys', fields)}</GetActorsByTimestampRequest>`,
}

export interface ActorOutput {
  ActorType: string
  ErpKey: string
  LastModified: string
  ParentActorType: string
  ParentErpKey: string
  values: Record<string, string | null>
}

function actorOf(el: XmlElement): ActorOutput {
  return {
    ActorType: child(el, 'ActorType').text,
    ErpKey: child(el, 'ErpKey').text,
    LastModified: child(el, 'LastModified').text,
    ParentActorType: child(el, 'ParentActorType').text,
    ParentErpKey: child(el, 'ParentErpKey').text,
    values: Object.fromEntries(pairs(child(el, 'FieldValues'))),
  }
}

/** The actors of an ActorArrayPluginResponse. */
export function actors(wrapper: XmlElement): ActorOutput[] {
  return child(wrapper, 'Actors').children.map(actorOf)
}

/** The actor of an ActorPluginResponse. */
export function actor(wrapper: XmlElement): ActorOutput {
  return actorOf(child(wrapper, 'Actor'))
}

/** State, ErrorCode and UserExplanation of any response. */
export function outcome(wrapper: XmlElement): { state: string; code: string; explanation: string } {
  return { state: child(wrapper, 'State').text, code: child(wrapper, 'ErrorCode').text, explanation: child(wrapper, 'UserExplanation').text }
}
