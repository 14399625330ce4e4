/**
 * Field metadata for connectors: `field(key, options)` gives a complete FieldMetadataInfoWS (every member
 * present), so that no connector writes the wire type by hand.
 *
 * @example
 * const CONFIG = ranked([
 *   field('Server', { displayName: 'US:"Server";NO:"Tjener"', access: 'Mandatory', maxLength: 255 }),
 *   field('ApiKey', { type: 'Password' }),
 *   field('Mode', { type: 'List', listName: 'Mode', defaultValue: 'Live' }),
 * ])
 */
import type * as T from '../../generated/types.js'
import type { FieldMetadata } from './connector.js'

export type FieldType = T.FieldMetadataTypeInfoWS
export type FieldAccess = T.FieldAccessInfoWS

interface CommonFieldOptions {
  /** Shown in SuperOffice; may hold translations (`US:"Name";NO:"Navn"`). Default: the key. */
  displayName?: string
  description?: string
  /** Default: Normal. */
  access?: FieldAccess
  /** The value SuperOffice proposes, in the field's encoding ([I:1], [F:2.5]...). */
  defaultValue?: string
  /** 0: no limit. */
  maxLength?: number
  /** Position in SuperOffice's lists, unique among the fields of one call (see {@link ranked}). */
  rank?: number
}

/** A List field names the list (WSGetList) its values come from. */
export type FieldOptions = CommonFieldOptions & ({ type?: Exclude<FieldType, 'List'> } | { type: 'List'; listName: string })

/** A field of type Text (unless `options.type` says otherwise), Normal access, every member filled in. */
export function field(key: string, options: FieldOptions = {}): FieldMetadata {
  return {
    Access: options.access ?? 'Normal',
    DefaultValue: options.defaultValue ?? '',
    DisplayDescription: options.description ?? '',
    DisplayName: options.displayName ?? key,
    FieldKey: key,
    FieldType: options.type ?? 'Text',
    ListName: options.type === 'List' ? options.listName : '',
    MaxLength: options.maxLength ?? 0,
    Rank: options.rank ?? 0,
  }
}

/** The fields with Rank 1, 2, 3... in the order given. */
export function ranked(fields: readonly FieldMetadata[]): FieldMetadata[] {
  return fields.map((f, index) => ({ ...f, Rank: index + 1 }))
}
