/**
 * `erp-connector-ws/encoding`: SuperOffice's value encodings ([I:…], [F:…], [DT:…], [D:…]) and field values by field
 * type, alone: importing it loads no server module (no fastify, no pg), for programs that only convert values. The
 * package's main entry exports the same names.
 */
export { encodeCheckbox, encodeDate, encodeDateTime, encodeDouble, encodeInteger, parseEncoded, type EncodedValue } from './encoded-tags.js'
export {
  decodeFieldValue,
  encodeFieldValue,
  FIELD_TYPES,
  parseCheckboxValue,
  parseDateTimeValue,
  parseDoubleValue,
  parseEncodedDate,
  parseIntegerValue,
  ValueEncodingError,
  type FieldType,
  type FieldValue,
} from './field-values.js'
export { wallClockFromUtcDate, wallClockToUtcDate, type WallClock } from './wall-clock.js'
