/**
 * A trigger's conditions on an event (Litmus's EventTrackerPolicy: key, operator, value,
 * combined by `and` / `or`). Pure: the previous event's fields come from the caller.
 *
 * - `key` is a dotted path into the event's fields (`app`, `payload.deployment.sha`; an array
 *   element by its index, `payload.images.0`).
 * - Values compare as text (`EqualTo`, `NotEqualTo`, `Change`), as numbers (`LessThan`, …: a
 *   field or value that is not a number makes the condition false), or by a glob (`Matches`:
 *   `*` any run, `?` one character, over the whole value; glob.ts says why not a regular
 *   expression).
 * - A missing field is equal to nothing (`EqualTo` false, `NotEqualTo` true), less or greater
 *   than nothing, and matches nothing.
 * - `Change`: the field's text differs from its text in this trigger's previous event; on the
 *   first event ever, a present field counts as changed (from nothing). The previous event is
 *   kept flat, as text by the condition's key (`{"payload.deployment.sha": "abc"}`), so it is
 *   read by the key itself, not walked as a path.
 * @module
 */
import type { ConditionOperator, TriggerCondition } from '../../shared/continuous.js'
import { globMatches } from './glob.js'

/** Matches reads at most this much of a field: a sender's long text cannot stall the loop. */
export const MAX_MATCHED_CHARS = 4096

export type Fields = Record<string, unknown>

/** The value at a dotted path, or undefined when any step is missing. */
export function fieldAt(fields: Fields, key: string): unknown {
  let value: unknown = fields
  for (const step of key.split('.')) {
    if (value === null || typeof value !== 'object') {
      return undefined
    }
    // Own properties only: `constructor` or `__proto__` in a key read nothing.
    if (!Object.prototype.hasOwnProperty.call(value, step)) {
      return undefined
    }
    value = (value as Record<string, unknown>)[step]
  }
  return value
}

/** A field as the text conditions compare: numbers and booleans as written, objects as JSON. */
export function fieldText(value: unknown): string | undefined {
  if (value === undefined || value === null) {
    return undefined
  }
  if (typeof value === 'string') {
    return value
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value)
  }
  return JSON.stringify(value)
}

function asNumber(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') {
    return undefined
  }
  const n = Number(text)
  return Number.isFinite(n) ? n : undefined
}

const NUMERIC: Partial<Record<ConditionOperator, (a: number, b: number) => boolean>> = {
  LessThan: (a, b) => a < b,
  GreaterThan: (a, b) => a > b,
  LessThanEqualTo: (a, b) => a <= b,
  GreaterThanEqualTo: (a, b) => a >= b,
}

/** A trigger's previous event: each Change key's text, by the key as written. */
export type Previous = Record<string, string>

/** Whether one condition holds on `fields`, given the trigger's previous event. */
export function conditionHolds(
  condition: TriggerCondition,
  fields: Fields,
  previous: Previous | undefined
): boolean {
  const actual = fieldText(fieldAt(fields, condition.key))
  const expected = condition.value
  switch (condition.operator) {
    case 'EqualTo':
      return actual !== undefined && actual === expected
    case 'NotEqualTo':
      return actual !== expected
    case 'Change': {
      const before =
        previous !== undefined && Object.prototype.hasOwnProperty.call(previous, condition.key)
          ? previous[condition.key]
          : undefined
      return actual !== before
    }
    case 'Matches': {
      return (
        actual !== undefined &&
        expected !== undefined &&
        globMatches(expected, actual.slice(0, MAX_MATCHED_CHARS))
      )
    }
    default: {
      const compare = NUMERIC[condition.operator]
      const a = asNumber(actual)
      const b = asNumber(expected)
      return compare !== undefined && a !== undefined && b !== undefined && compare(a, b)
    }
  }
}

/** Every condition (`and`, the default) or any (`or`); no conditions: true. */
export function conditionsHold(
  conditions: readonly TriggerCondition[],
  type: 'and' | 'or',
  fields: Fields,
  previous: Previous | undefined
): boolean {
  if (conditions.length === 0) {
    return true
  }
  const holds = (c: TriggerCondition) => conditionHolds(c, fields, previous)
  return type === 'or' ? conditions.some(holds) : conditions.every(holds)
}
