import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import type { Verdict } from '../../shared/api.js'
import { verdictChange } from './verdict-change.js'

const VERDICTS: (Verdict | undefined)[] = ['pass', 'fail', 'error', 'interrupted', undefined]

test('the changes the issue names', () => {
  assert.equal(verdictChange('pass', 'fail'), 'failed')
  assert.equal(verdictChange('fail', 'pass'), 'recovered')
  assert.equal(verdictChange('error', 'pass'), 'recovered')
  assert.equal(verdictChange('pass', 'error'), 'error')
  assert.equal(verdictChange('fail', 'error'), 'error')
  assert.equal(verdictChange('error', 'error'), undefined)
  assert.equal(verdictChange('fail', 'fail'), undefined)
})

test('the first judged run notifies only if it did not pass', () => {
  assert.equal(verdictChange(undefined, 'pass'), undefined)
  assert.equal(verdictChange(undefined, 'fail'), 'failed')
  assert.equal(verdictChange(undefined, 'error'), 'error')
})

test('an interrupted or cancelled run never notifies', () => {
  for (const previous of VERDICTS) {
    assert.equal(verdictChange(previous, 'interrupted'), undefined)
    assert.equal(verdictChange(previous, undefined), undefined)
  }
})

test('property: a notification iff the judged verdict differs; its word is the new verdict', () => {
  fc.assert(
    fc.property(fc.constantFrom(...VERDICTS), fc.constantFrom(...VERDICTS), (previous, current) => {
      const change = verdictChange(previous, current)
      const judged = (v: Verdict | undefined) => v === 'pass' || v === 'fail' || v === 'error'
      const before = judged(previous) ? previous : 'pass'
      assert.equal(change !== undefined, judged(current) && current !== before)
      if (change !== undefined) {
        assert.equal(
          change,
          { pass: 'recovered', fail: 'failed', error: 'error' }[current as string]
        )
      }
    })
  )
})
