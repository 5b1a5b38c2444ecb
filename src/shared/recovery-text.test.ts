import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { recoveryText } from './recovery-text.js'

test('a recovery reads as one line: the time when recovered, why when not', () => {
  assert.equal(
    recoveryText({ workload: 'deployment/orders', recovered: true, ms: 4200 }),
    'deployment/orders recovered in 4.2 s'
  )
  assert.equal(
    recoveryText({ workload: 'shop/statefulset/db', recovered: true, ms: 123_456 }),
    'shop/statefulset/db recovered in 2.06 min'
  )
  assert.equal(
    recoveryText({
      workload: 'deployment/orders',
      recovered: false,
      reason: 'not fully available within 2m (1 of 3 replicas available)',
    }),
    'deployment/orders NOT recovered: not fully available within 2m (1 of 3 replicas available)'
  )
  assert.equal(
    recoveryText({ workload: 'deployment/orders', recovered: false }),
    'deployment/orders NOT recovered'
  )
  assert.equal(
    recoveryText({
      workload: 'deployment/orders',
      recovered: false,
      reason: 'stopped before it was fully available (HTTP 503)',
      error: 'HTTP 503',
    }),
    'deployment/orders recovery could not be measured: HTTP 503'
  )
})

test('every recovery line starts with its workload and says whether it recovered', () => {
  fc.assert(
    fc.property(
      fc.stringMatching(/^[a-z]+\/[a-z0-9-]{1,20}$/),
      fc.boolean(),
      fc.option(fc.nat(10_000_000), { nil: undefined }),
      (workload, recovered, ms) => {
        const line = recoveryText({ workload, recovered, ...(ms === undefined ? {} : { ms }) })
        assert.ok(line.startsWith(`${workload} `))
        assert.equal(line.includes('NOT recovered'), !recovered)
        assert.doesNotMatch(line, /\n/)
      }
    )
  )
})
