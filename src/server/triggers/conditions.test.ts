import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { ConditionOperator, TriggerCondition } from '../../shared/continuous.js'
import { conditionHolds, conditionsHold, fieldAt, MAX_MATCHED_CHARS } from './conditions.js'

const c = (key: string, operator: ConditionOperator, value?: string): TriggerCondition => ({
  key,
  operator,
  ...(value !== undefined ? { value } : {}),
})

const event = {
  app: 'orders',
  revision: '1a2b3c4',
  replicas: 3,
  ready: true,
  payload: { deployment: { sha: 'abc', environment: 'production' }, images: ['a:1', 'b:2'] },
}

test('a dotted key reads nested fields and array elements; a missing step reads nothing', () => {
  assert.equal(fieldAt(event, 'payload.deployment.sha'), 'abc')
  assert.equal(fieldAt(event, 'payload.images.1'), 'b:2')
  assert.equal(fieldAt(event, 'payload.nope.sha'), undefined)
  assert.equal(fieldAt(event, 'app.length'), undefined)
  // Inherited properties are not fields.
  assert.equal(fieldAt(event, 'constructor'), undefined)
  assert.equal(fieldAt(event, 'payload.__proto__'), undefined)
})

test('EqualTo and NotEqualTo compare text; numbers and booleans as written', () => {
  assert.equal(conditionHolds(c('app', 'EqualTo', 'orders'), event, undefined), true)
  assert.equal(conditionHolds(c('app', 'EqualTo', 'Orders'), event, undefined), false)
  assert.equal(conditionHolds(c('replicas', 'EqualTo', '3'), event, undefined), true)
  assert.equal(conditionHolds(c('ready', 'EqualTo', 'true'), event, undefined), true)
  assert.equal(conditionHolds(c('app', 'NotEqualTo', 'billing'), event, undefined), true)
  assert.equal(conditionHolds(c('app', 'NotEqualTo', 'orders'), event, undefined), false)
  // A missing field equals nothing.
  assert.equal(conditionHolds(c('missing', 'EqualTo', ''), event, undefined), false)
  assert.equal(conditionHolds(c('missing', 'NotEqualTo', 'x'), event, undefined), true)
})

test('numeric operators compare numbers; text that is not a number makes them false', () => {
  assert.equal(conditionHolds(c('replicas', 'GreaterThan', '2'), event, undefined), true)
  assert.equal(conditionHolds(c('replicas', 'GreaterThan', '3'), event, undefined), false)
  assert.equal(conditionHolds(c('replicas', 'GreaterThanEqualTo', '3'), event, undefined), true)
  assert.equal(conditionHolds(c('replicas', 'LessThan', '10'), event, undefined), true)
  // 10 < 9 as text, but not as numbers.
  assert.equal(conditionHolds(c('n', 'LessThan', '9'), { n: '10' }, undefined), false)
  assert.equal(conditionHolds(c('replicas', 'LessThanEqualTo', '3'), event, undefined), true)
  assert.equal(conditionHolds(c('app', 'LessThan', '5'), event, undefined), false)
  assert.equal(conditionHolds(c('missing', 'GreaterThan', '-1'), event, undefined), false)
  assert.equal(conditionHolds(c('n', 'GreaterThan', '0'), { n: '' }, undefined), false)
})

test('Change: differs from the previous event; the first event with the field has changed', () => {
  const change = c('revision', 'Change')
  assert.equal(conditionHolds(change, event, undefined), true)
  assert.equal(conditionHolds(change, event, { revision: '1a2b3c4' }), false)
  assert.equal(conditionHolds(change, event, { revision: '0000000' }), true)
  assert.equal(conditionHolds(change, {}, { revision: '1a2b3c4' }), true)
  assert.equal(conditionHolds(change, {}, undefined), false)
  // Numbers compare by their text: 3 and '3' are the same value.
  assert.equal(conditionHolds(c('replicas', 'Change'), event, { replicas: '3' }), false)
})

test('Matches is a glob over the whole value, read over at most 4096 characters', () => {
  assert.equal(conditionHolds(c('payload.images.0', 'Matches', 'a:*'), event, undefined), true)
  assert.equal(conditionHolds(c('revision', 'Matches', '*2b3*'), event, undefined), true)
  assert.equal(conditionHolds(c('revision', 'Matches', '2b3*'), event, undefined), false)
  assert.equal(conditionHolds(c('revision', 'Matches', '1a2b3c?'), event, undefined), true)
  assert.equal(conditionHolds(c('missing', 'Matches', '*'), event, undefined), false)
  // Regular expression syntax is literal text now: it matches only itself.
  assert.equal(conditionHolds(c('app', 'Matches', '^ord.*$'), event, undefined), false)
  const long = { text: `${'a'.repeat(MAX_MATCHED_CHARS)}END` }
  assert.equal(conditionHolds(c('text', 'Matches', '*END'), long, undefined), false)
})

test('Change on a dotted key compares with the previous value stored under that key', () => {
  const sha = c('payload.deployment.sha', 'Change')
  const fields = { payload: { deployment: { sha: 'abc' } } }
  assert.equal(conditionHolds(sha, fields, { 'payload.deployment.sha': 'abc' }), false)
  assert.equal(conditionHolds(sha, fields, { 'payload.deployment.sha': 'def' }), true)
  assert.equal(conditionHolds(sha, fields, {}), true)
})

test('and needs every condition, or any; no conditions always hold', () => {
  const yes = c('app', 'EqualTo', 'orders')
  const no = c('app', 'EqualTo', 'billing')
  assert.equal(conditionsHold([yes, no], 'and', event, undefined), false)
  assert.equal(conditionsHold([yes, no], 'or', event, undefined), true)
  assert.equal(conditionsHold([no, no], 'or', event, undefined), false)
  assert.equal(conditionsHold([], 'and', event, undefined), true)
  assert.equal(conditionsHold([], 'or', event, undefined), true)
})

test('property: EqualTo and NotEqualTo are each other’s negation on present fields', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.integer(), fc.boolean()), fc.string(), (v, value) => {
      const fields = { k: v }
      assert.notEqual(
        conditionHolds(c('k', 'EqualTo', value), fields, undefined),
        conditionHolds(c('k', 'NotEqualTo', value), fields, undefined)
      )
    })
  )
})

test('property: numeric operators agree with the numbers, and LessThan/GreaterThanEqualTo split every pair', () => {
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), (a, b) => {
      const fields = { n: a }
      const holds = (op: ConditionOperator) =>
        conditionHolds(c('n', op, String(b)), fields, undefined)
      assert.equal(holds('LessThan'), a < b)
      assert.equal(holds('GreaterThan'), a > b)
      assert.equal(holds('LessThanEqualTo'), a <= b)
      assert.equal(holds('GreaterThanEqualTo'), a >= b)
      assert.notEqual(holds('LessThan'), holds('GreaterThanEqualTo'))
    })
  )
})

test('property: Change holds exactly when the value differs from the previous one', () => {
  fc.assert(
    fc.property(fc.option(fc.string()), fc.option(fc.string()), (now, before) => {
      const fields = now === null ? {} : { k: now }
      const previous: Record<string, string> = before === null ? {} : { k: before }
      assert.equal(conditionHolds(c('k', 'Change'), fields, previous), now !== before)
    })
  )
})

test('property: or holds iff some condition holds, and iff every one does', () => {
  const arbCondition = fc.record({
    key: fc.constantFrom('app', 'revision', 'replicas', 'missing'),
    operator: fc.constantFrom<ConditionOperator>('EqualTo', 'NotEqualTo', 'GreaterThan', 'Matches'),
    value: fc.constantFrom('orders', '3', '2', '^1a', 'x'),
  })
  fc.assert(
    fc.property(fc.array(arbCondition, { maxLength: 5 }), (conditions) => {
      const each = conditions.map((x) => conditionHolds(x, event, undefined))
      assert.equal(conditionsHold(conditions, 'and', event, undefined), each.every(Boolean))
      assert.equal(
        conditionsHold(conditions, 'or', event, undefined),
        conditions.length === 0 || each.some(Boolean)
      )
    })
  )
})
