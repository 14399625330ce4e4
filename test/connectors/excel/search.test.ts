import t from 'tap'
import { ConnectorFailure, ErrorCode } from '../../../src/connector/errors.js'
import {
  compileRestriction,
  containsText,
  OPERATORS_BY_TYPE,
  storedAsText,
  type StoredValue,
} from '../../../src/connectors/excel/search.js'
import { FIELD_TYPES, type FieldType } from '../../../src/encoding/field-values.js'
import type { WallClock } from '../../../src/encoding/wall-clock.js'
import { wallClock } from '../../helpers/wall-clock.js'

type Row = [type: FieldType, operator: string, values: string[], stored: StoredValue, want: boolean]

const TEXT_ROWS = (type: FieldType): Row[] => [
  // =
  [type, '=', ['Kunden A/S'], 'Kunden A/S', true],
  [type, '=', ['kunden a/s'], 'KUNDEN A/S', true],
  [type, '=', ['Kunden'], 'Kunden A/S', false],
  [type, '=', [''], null, true],
  [type, '=', [''], '', true],
  [type, '=', ['x'], null, false],
  [type, '=', ['12'], 12, true],
  [type, '=', ['[I:5]'], '[I:5]', true],
  [type, '=', ['[I:5]'], 5, false],
  [type, '=', ['true'], true, true],
  [type, '=', ['2013-05-13 13:50:48'], wallClock(2013, 5, 13, 13, 50, 48, 1234567), true],
  [type, '=', ['Ærø'], 'ÆRØ', true],
  // isnot
  [type, 'isnot', ['Oslo'], 'OSLO', false],
  [type, 'isnot', ['Oslo'], 'Bergen', true],
  [type, 'isnot', ['Oslo'], null, true],
  [type, 'isnot', [''], null, false],
  // begins / notbegins
  [type, 'begins', ['KUN'], 'Kunden A/S', true],
  [type, 'begins', ['den'], 'Kunden A/S', false],
  [type, 'begins', [''], null, true],
  [type, 'begins', ['a'], null, false],
  [type, 'notbegins', ['KUN'], 'kunden', false],
  [type, 'notbegins', ['den'], 'Kunden', true],
  [type, 'notbegins', ['a'], null, true],
  // contains / notcontains
  [type, 'contains', ['DEN a'], 'Kunden A/S', true],
  [type, 'contains', ['xyz'], 'Kunden A/S', false],
  [type, 'contains', ['2.5'], 12.5, true],
  [type, 'contains', ['a'], null, false],
  [type, 'notcontains', ['DEN'], 'Kunden', false],
  [type, 'notcontains', ['xyz'], 'Kunden', true],
  [type, 'notcontains', ['xyz'], null, true],
  // ends / notends
  [type, 'ends', ['a/s'], 'Kunden A/S', true],
  [type, 'ends', ['kunden'], 'Kunden A/S', false],
  [type, 'ends', ['s'], null, false],
  [type, 'notends', ['A/S'], 'kunden a/s', false],
  [type, 'notends', ['AS'], 'kunden a/s', true],
  [type, 'notends', ['s'], null, true],
  // between: inclusive, case-insensitive, reversed
  [type, 'between', ['b', 'd'], 'c', true],
  [type, 'between', ['b', 'd'], 'B', true],
  [type, 'between', ['b', 'd'], 'd', true],
  [type, 'between', ['b', 'd'], 'da', false],
  [type, 'between', ['b', 'd'], 'a', false],
  [type, 'between', ['B', 'D'], 'cat', true],
  [type, 'between', ['d', 'b'], 'c', true],
  [type, 'between', ['d', 'b'], 'e', false],
  [type, 'between', ['a', 'c'], null, false],
  [type, 'between', ['', 'c'], null, true],
  // operator spelled in another case
  [type, 'BEGINS', ['k'], 'Kunden', true],
]

const NUMBER_ROWS = (type: FieldType): Row[] => [
  // =
  [type, '=', ['[I:5]'], 5, true],
  [type, '=', ['[I:5]'], 6, false],
  [type, '=', ['5'], 5, true],
  [type, '=', [' 5 '], 5, true],
  [type, '=', ['[F:5.0]'], 5, true],
  [type, '=', ['[F:2:12.5]'], 12.5, true],
  [type, '=', ['[F:2:12.5]'], 12.25, false],
  [type, '=', ['12.5'], 12.5, true],
  [type, '=', ['[F:1E-05]'], 0.00001, true],
  [type, '=', ['-3'], -3, true],
  [type, '=', ['[I:5]'], '[I:5]', true],
  [type, '=', ['[I:5]'], '5', true],
  [type, '=', ['[I:0]'], null, false],
  [type, '=', ['[I:0]'], '', false],
  [type, '=', ['[I:0]'], 'abc', false],
  [type, '=', ['[I:0]'], false, false],
  // >
  [type, '>', ['[I:5]'], 6, true],
  [type, '>', ['[I:5]'], 5, false],
  [type, '>', ['[F:2.5]'], 3, true],
  [type, '>', ['[I:-10]'], null, false],
  // <
  [type, '<', ['[I:5]'], 4, true],
  [type, '<', ['[I:5]'], 5, false],
  [type, '<', ['[F:2:12.5]'], 12.49, true],
  [type, '<', ['[I:5]'], null, false],
  // >=
  [type, '>=', ['[I:5]'], 5, true],
  [type, '>=', ['[I:5]'], 4, false],
  [type, '>=', ['[I:-10]'], null, false],
  // <=
  [type, '<=', ['[I:5]'], 5, true],
  [type, '<=', ['[I:5]'], 6, false],
  [type, '<=', ['[I:5]'], null, false],
  // != (the only one an empty or non-numeric cell matches)
  [type, '!=', ['[I:5]'], 5, false],
  [type, '!=', ['[I:5]'], 6, true],
  [type, '!=', ['5'], '5', false],
  [type, '!=', ['[I:5]'], null, true],
  [type, '!=', ['[I:5]'], 'abc', true],
  // between: inclusive ends, reversed order
  [type, 'between', ['[I:1]', '[I:10]'], 1, true],
  [type, 'between', ['[I:1]', '[I:10]'], 10, true],
  [type, 'between', ['[I:1]', '[I:10]'], 5, true],
  [type, 'between', ['[I:1]', '[I:10]'], 0, false],
  [type, 'between', ['[I:1]', '[I:10]'], 11, false],
  [type, 'between', ['[I:10]', '[I:1]'], 10, true],
  [type, 'between', ['[I:10]', '[I:1]'], 1, true],
  [type, 'between', ['[I:10]', '[I:1]'], 11, false],
  [type, 'between', ['[F:2:1.5]', '2.5'], 2.5, true],
  [type, 'between', ['[F:2:1.5]', '2.5'], 1.49, false],
  [type, 'between', ['[I:-1]', '[I:1]'], null, false],
  [type, 'between', ['[I:-1]', '[I:1]'], '', false],
]

const CHECKBOX_ROWS: Row[] = [
  ['Checkbox', '=', ['[I:1]'], true, true],
  ['Checkbox', '=', ['[I:1]'], false, false],
  ['Checkbox', '=', ['[I:0]'], false, true],
  ['Checkbox', '=', ['[I:0]'], true, false],
  ['Checkbox', '=', ['1'], true, true],
  ['Checkbox', '=', ['0'], true, false],
  ['Checkbox', '=', ['true'], true, true],
  ['Checkbox', '=', ['TRUE'], false, false],
  ['Checkbox', '=', ['false'], false, true],
  ['Checkbox', '=', ['false'], true, false],
  // empty cell counts as false
  ['Checkbox', '=', ['[I:0]'], null, true],
  ['Checkbox', '=', ['[I:1]'], null, false],
  ['Checkbox', '=', ['[I:0]'], '', true],
  // stored numbers and strings
  ['Checkbox', '=', ['[I:1]'], 1, true],
  ['Checkbox', '=', ['[I:1]'], 0, false],
  ['Checkbox', '=', ['[I:0]'], 0, true],
  ['Checkbox', '=', ['[I:1]'], '[I:1]', true],
  ['Checkbox', '=', ['[I:1]'], 'TRUE', true],
  ['Checkbox', '=', ['[I:0]'], '[I:0]', true],
  ['Checkbox', '=', ['[I:1]'], 'yes', false],
]

const LIST_ROWS: Row[] = [
  ['List', 'oneof', ['item1'], 'item1', true],
  ['List', 'oneof', ['item1', 'item3'], 'item3', true],
  ['List', 'oneof', ['item1', 'item3'], 'item2', false],
  ['List', 'oneof', ['item1'], 'ITEM1', false],
  ['List', 'oneof', ['item1'], 'item1 ', false],
  ['List', 'oneof', ['2', '3'], 3, true],
  ['List', 'oneof', ['2', '3'], 4, false],
  ['List', 'oneof', ['[I:3]'], 3, false],
  ['List', 'oneof', ['item1'], null, false],
  ['List', 'oneof', [''], null, true],
  ['List', 'notoneof', ['item1'], 'item1', false],
  ['List', 'notoneof', ['item1', 'item3'], 'item3', false],
  ['List', 'notoneof', ['item1', 'item3'], 'item2', true],
  ['List', 'notoneof', ['item1'], 'ITEM1', true],
  ['List', 'notoneof', ['2'], 2, false],
  ['List', 'notoneof', ['item1'], null, true],
  ['List', 'ONEOF', ['item1'], 'item1', true],
]

const NOON = wallClock(2013, 12, 31, 12, 0, 0)
const DATETIME_ROWS: Row[] = [
  // =, minute granularity
  ['Datetime', '=', ['[DT:12/31/2013 12:00:00.0000000]'], NOON, true],
  ['Datetime', '=', ['[DT:12/31/2013 12:00:00.0000000]'], wallClock(2013, 12, 31, 12, 0, 59, 9999999), true],
  ['Datetime', '=', ['[DT:12/31/2013 12:00:59.9999999]'], NOON, true],
  ['Datetime', '=', ['[DT:12/31/2013 12:00:00.0000000]'], wallClock(2013, 12, 31, 12, 1, 0), false],
  ['Datetime', '=', ['[DT:12/31/2013 12:00:00.0000000]'], wallClock(2013, 12, 31, 11, 59, 59), false],
  ['Datetime', '=', ['[DT:12/31/2013 12:00:00.0000000]'], wallClock(2014, 12, 31, 12, 0, 0), false],
  ['Datetime', '=', ['[D:12/31/2013 00:00:00.0000000]'], wallClock(2013, 12, 31), true],
  ['Datetime', '=', ['[D:12/31/2013 00:00:00.0000000]'], NOON, false],
  ['Datetime', '=', ['2013-12-31T12:00:30'], NOON, true],
  ['Datetime', '=', ['[DT:12/31/2013+12:00:00.0000000]'], NOON, true],
  ['Datetime', '=', ['2013-12-31T12:00:00'], '[DT:12/31/2013 12:00:00.0000000]', true],
  ['Datetime', '=', ['2013-12-31T12:00:00'], '2013-12-31T12:00:45', true],
  ['Datetime', '=', ['2013-12-31T12:00:00'], null, false],
  ['Datetime', '=', ['2013-12-31T12:00:00'], '', false],
  ['Datetime', '=', ['2013-12-31T12:00:00'], 'not a date', false],
  ['Datetime', '=', ['2013-12-31T12:00:00'], 41639.5, false],
  // before / after
  ['Datetime', 'before', ['[DT:12/31/2013 12:00:00.0000000]'], wallClock(2013, 12, 31, 11, 59, 59), true],
  ['Datetime', 'before', ['[DT:12/31/2013 12:00:00.0000000]'], wallClock(2013, 12, 31, 12, 0, 30), false],
  ['Datetime', 'before', ['[DT:12/31/2013 12:00:30.0000000]'], NOON, false],
  ['Datetime', 'before', ['[DT:12/31/2013 12:00:00.0000000]'], wallClock(1999, 1, 1), true],
  ['Datetime', 'before', ['[DT:12/31/2013 12:00:00.0000000]'], null, false],
  ['Datetime', 'after', ['[DT:12/31/2013 12:00:00.0000000]'], wallClock(2013, 12, 31, 12, 1, 0), true],
  ['Datetime', 'after', ['[DT:12/31/2013 12:00:00.0000000]'], wallClock(2013, 12, 31, 12, 0, 59), false],
  ['Datetime', 'after', ['[DT:12/31/2013 12:00:00.0000000]'], wallClock(2014, 1, 1), true],
  ['Datetime', 'after', ['[DT:12/31/2013 12:00:00.0000000]'], null, false],
  // beforeOrEqual / afterOrEqual
  ['Datetime', 'beforeOrEqual', ['[DT:12/31/2013 12:00:00.0000000]'], wallClock(2013, 12, 31, 12, 0, 59), true],
  ['Datetime', 'beforeOrEqual', ['[DT:12/31/2013 12:00:00.0000000]'], wallClock(2013, 12, 31, 12, 1, 0), false],
  ['Datetime', 'beforeOrEqual', ['[DT:12/31/2013 12:00:00.0000000]'], null, false],
  ['Datetime', 'afterOrEqual', ['[DT:12/31/2013 12:00:59.0000000]'], NOON, true],
  ['Datetime', 'afterOrEqual', ['[DT:12/31/2013 12:00:00.0000000]'], wallClock(2013, 12, 31, 11, 59, 59), false],
  ['Datetime', 'afterOrEqual', ['[DT:12/31/2013 12:00:00.0000000]'], null, false],
  ['Datetime', 'beforeorequal', ['[DT:12/31/2013 12:00:00.0000000]'], NOON, true],
  // between: inclusive at minute precision, reversed order
  ['Datetime', 'between', ['[D:01/01/2013 00:00:00.0000000]', '[DT:12/31/2013 23:59:00.0000000]'], wallClock(2013, 1, 1), true],
  ['Datetime', 'between', ['[D:01/01/2013 00:00:00.0000000]', '[DT:12/31/2013 23:59:00.0000000]'], wallClock(2013, 12, 31, 23, 59, 59, 9999999), true],
  ['Datetime', 'between', ['[D:01/01/2013 00:00:00.0000000]', '[DT:12/31/2013 23:59:00.0000000]'], wallClock(2014, 1, 1), false],
  ['Datetime', 'between', ['[D:01/01/2013 00:00:00.0000000]', '[DT:12/31/2013 23:59:00.0000000]'], wallClock(2012, 12, 31, 23, 59, 59), false],
  ['Datetime', 'between', ['2013-12-31T23:59:00', '2013-01-01'], wallClock(2013, 6, 15, 8, 30), true],
  ['Datetime', 'between', ['2013-12-31T23:59:00', '2013-01-01'], wallClock(2014, 1, 1), false],
  ['Datetime', 'between', ['2013-01-01', '2013-12-31'], null, false],
]

const ROWS: Row[] = [
  ...TEXT_ROWS('Text'),
  ...TEXT_ROWS('Password'),
  ...TEXT_ROWS('Label'),
  ...NUMBER_ROWS('Integer'),
  ...NUMBER_ROWS('Double'),
  ['Double', '=', ['[F:0.1]'], 0.1, true],
  ['Double', '>', ['[F:2:12.5]'], 12.51, true],
  ['Double', 'between', ['[F:-0.5]', '[F:0.5]'], -0.5, true],
  ...CHECKBOX_ROWS,
  ...LIST_ROWS,
  ...DATETIME_ROWS,
]

function show(v: unknown): string {
  return typeof v === 'object' && v !== null ? storedAsText(v as WallClock) + ' (WallClock)' : JSON.stringify(v)
}

t.test('compiled restrictions match stored values', async (t) => {
  for (const [type, operator, values, stored, want] of ROWS) {
    const match = compileRestriction({ key: 'F', type }, operator, values)
    t.equal(match(stored), want, `${type} ${operator} ${JSON.stringify(values)} on ${show(stored)} → ${want}`)
  }
})

t.test('the table covers every operator of every field type, with both outcomes', async (t) => {
  t.same([...FIELD_TYPES].sort(), Object.keys(OPERATORS_BY_TYPE).sort(), 'every field type has operators')
  for (const type of FIELD_TYPES) {
    for (const op of OPERATORS_BY_TYPE[type]) {
      const rows = ROWS.filter((r) => r[0] === type && r[1] === op)
      t.ok(rows.some((r) => r[4]), `${type} ${op} has a matching row`)
      t.ok(rows.some((r) => !r[4]), `${type} ${op} has a non-matching row`)
    }
  }
})

t.test('operator lists are the exact strings of contract §10.3', async (t) => {
  const text = ['=', 'begins', 'contains', 'ends', 'notbegins', 'notcontains', 'notends', 'isnot', 'between']
  const numbers = ['=', '>', '<', '>=', '<=', '!=', 'between']
  t.same(OPERATORS_BY_TYPE, {
    Text: text,
    Password: text,
    Label: text,
    Integer: numbers,
    Double: numbers,
    Checkbox: ['='],
    List: ['oneof', 'notoneof'],
    Datetime: ['=', 'before', 'after', 'beforeOrEqual', 'afterOrEqual', 'between'],
  })
})

t.test('single-value operators use the first value', async (t) => {
  const match = compileRestriction({ key: 'NAME', type: 'Text' }, '=', ['Oslo', 'Bergen'])
  t.equal(match('oslo'), true)
  t.equal(match('Bergen'), false)
})

t.test('a compiled predicate is reusable across many rows', async (t) => {
  const match = compileRestriction({ key: 'IntField', type: 'Integer' }, 'between', ['[I:100]', '[I:199]'])
  let count = 0
  for (let i = 0; i < 10_000; i++) if (match(i)) count++
  t.equal(count, 100)
})

type ErrorRow = [type: FieldType, operator: string, values: string[], mustMention: string[]]

const ALLOWED = (type: FieldType) => `Use one of: ${OPERATORS_BY_TYPE[type].join(', ')}.`

const ERROR_ROWS: ErrorRow[] = [
  // unknown operator for the type, per type
  ['Text', '>', ['a'], ['"F"', '">"', 'Text', ALLOWED('Text')]],
  ['Text', 'oneof', ['a'], ['"F"', '"oneof"', ALLOWED('Text')]],
  ['Password', '!=', ['a'], ['"F"', '"!="', 'Password', ALLOWED('Password')]],
  ['Label', 'like', ['a'], ['"F"', '"like"', 'Label', ALLOWED('Label')]],
  ['Integer', 'contains', ['[I:1]'], ['"F"', '"contains"', 'Integer', ALLOWED('Integer')]],
  ['Integer', 'isnot', ['[I:1]'], ['"F"', '"isnot"', ALLOWED('Integer')]],
  ['Double', 'before', ['[F:1]'], ['"F"', '"before"', 'Double', ALLOWED('Double')]],
  ['Checkbox', '!=', ['[I:1]'], ['"F"', '"!="', 'Checkbox', ALLOWED('Checkbox')]],
  ['List', '=', ['item1'], ['"F"', '"="', 'List', ALLOWED('List')]],
  ['List', 'isnot', ['item1'], ['"F"', '"isnot"', ALLOWED('List')]],
  ['Datetime', '>', ['2013-01-01'], ['"F"', '">"', 'Datetime', ALLOWED('Datetime')]],
  ['Datetime', 'IN', ['2013-01-01'], ['"F"', '"IN"', ALLOWED('Datetime')]],
  ['Text', '', ['a'], ['"F"', '""', ALLOWED('Text')]],
  // values that do not parse for the type
  ['Integer', '=', ['abc'], ['"F"', '"="', 'Integer', '"abc"', 'a Double such as [F:12.5] or 12.5']],
  ['Integer', '>', ['[I:x]'], ['"F"', '">"', '"[I:x]"']],
  ['Double', 'between', ['[F:1]', '1,5'], ['"F"', '"between"', '"1,5"', 'a Double such as']],
  ['Double', '<', [''], ['"F"', '"<"', '""']],
  ['Checkbox', '=', ['[I:2]'], ['"F"', '"="', '"[I:2]"', 'a Checkbox value such as [I:1], [I:0], 1, 0, true or false']],
  ['Checkbox', '=', ['yes'], ['"F"', '"yes"', 'Checkbox']],
  ['Datetime', '=', ['tomorrow'], ['"F"', '"="', '"tomorrow"', 'a Datetime such as [DT:12/31/2013 23:59:59.0000000]']],
  ['Datetime', 'after', ['[DT:02/30/2013 00:00:00.0000000]'], ['"F"', '"after"', '[DT:02/30/2013']],
  // between with 1 or 3 values, per type with between
  ['Text', 'between', ['a'], ['"F"', '"between"', 'exactly two values', 'got 1']],
  ['Text', 'between', ['a', 'b', 'c'], ['"F"', '"between"', 'exactly two values', 'got 3']],
  ['Password', 'between', ['a'], ['"F"', 'exactly two values', 'got 1']],
  ['Label', 'between', [], ['"F"', 'exactly two values', 'got 0']],
  ['Integer', 'between', ['[I:1]'], ['"F"', '"between"', 'Integer', 'exactly two values', 'got 1']],
  ['Integer', 'between', ['[I:1]', '[I:2]', '[I:3]'], ['"F"', 'exactly two values', 'got 3']],
  ['Double', 'between', ['[F:1]'], ['"F"', 'Double', 'exactly two values', 'got 1']],
  ['Datetime', 'between', ['2013-01-01'], ['"F"', 'Datetime', 'exactly two values', 'got 1']],
  ['Datetime', 'between', ['2013-01-01', '2013-02-01', '2013-03-01'], ['"F"', 'exactly two values', 'got 3']],
  // no value for an operator that needs one
  ['Text', '=', [], ['"F"', '"="', 'needs a value']],
  ['Integer', '>=', [], ['"F"', '">="', 'needs a value']],
  ['Checkbox', '=', [], ['"F"', 'needs a value']],
  ['Datetime', 'before', [], ['"F"', '"before"', 'needs a value']],
  ['List', 'oneof', [], ['"F"', '"oneof"', 'at least one list item key']],
  ['List', 'notoneof', [], ['"F"', '"notoneof"', 'at least one list item key']],
]

t.test('invalid restrictions are rejected with an explanation naming the field', async (t) => {
  for (const [type, operator, values, mustMention] of ERROR_ROWS) {
    const label = `${type} ${JSON.stringify(operator)} ${JSON.stringify(values)}`
    let caught: unknown
    try {
      compileRestriction({ key: 'F', type }, operator, values)
    } catch (e) {
      caught = e
    }
    if (!(caught instanceof ConnectorFailure)) {
      t.fail(`${label}: expected a ConnectorFailure, got ${String(caught)}`)
      continue
    }
    t.equal(caught.code, ErrorCode.InvalidRequest, `${label}: INVALID_REQUEST`)
    for (const part of mustMention) t.match(caught.userExplanation, part, `${label}: mentions ${part}`)
  }
})

t.test('an unknown operator message lists the allowed operators exactly', async (t) => {
  t.throws(() => compileRestriction({ key: 'CustGr', type: 'List' }, 'begins', ['1']), {
    message: 'The operator "begins" cannot be used on the List field "CustGr". Use one of: oneof, notoneof.',
  })
})

t.test('a field type that does not exist is rejected', async (t) => {
  t.throws(() => compileRestriction({ key: 'X', type: 'Money' as FieldType }, '=', ['1']), {
    code: ErrorCode.InvalidRequest,
    message: /"X".*"Money"/,
  })
})

t.test('special keys work as Text fields', async (t) => {
  const byParentKey = compileRestriction({ key: 'ParentErpKey', type: 'Text' }, '=', ['12'])
  t.equal(byParentKey('12'), true)
  t.equal(byParentKey(12), true)
  t.equal(byParentKey('120'), false)
  t.equal(byParentKey(''), false)
  const byParentType = compileRestriction({ key: 'ParentActorType', type: 'Text' }, '=', ['Customer'])
  t.equal(byParentType('customer'), true)
  t.equal(byParentType('Supplier'), false)
})

t.test('storedAsText', async (t) => {
  const rows: [StoredValue, string][] = [
    [null, ''],
    ['', ''],
    [' Kunden ', ' Kunden '],
    [12, '12'],
    [12.5, '12.5'],
    [-3, '-3'],
    [-0, '0'],
    [0.1 + 0.2, '0.30000000000000004'],
    [true, 'true'],
    [false, 'false'],
    [wallClock(2013, 5, 13, 13, 50, 48, 1234567), '2013-05-13 13:50:48'],
    [wallClock(1, 1, 2, 3, 4, 5), '0001-01-02 03:04:05'],
  ]
  for (const [stored, want] of rows) t.equal(storedAsText(stored), want, `${show(stored)} → ${JSON.stringify(want)}`)
})

t.test('containsText', async (t) => {
  const rows: [StoredValue, string, boolean][] = [
    ['Kunden A/S', 'kunden', true],
    ['Kunden A/S', 'A/S', true],
    ['Kunden A/S', 'DEN A', true],
    ['Kunden A/S', 'Kunder', false],
    ['Kunden', 'Kunden A/S', false],
    ['ÆRØ', 'ærø', true],
    [12345, '234', true],
    [12345, '9', false],
    [12.5, '.5', true],
    [true, 'TRU', true],
    [false, 'true', false],
    [wallClock(2013, 5, 13, 13, 50, 48), '2013-05-13', true],
    [wallClock(2013, 5, 13, 13, 50, 48), '13:50', true],
    [wallClock(2013, 5, 13, 13, 50, 48), '05/13/2013', false],
    [null, 'a', false],
    [null, '', true],
    ['', '', true],
    ['anything', '', true],
  ]
  for (const [stored, text, want] of rows) {
    t.equal(containsText(stored, text), want, `${show(stored)} contains ${JSON.stringify(text)} → ${want}`)
  }
})
