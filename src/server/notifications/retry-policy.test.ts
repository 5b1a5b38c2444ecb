import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { backoffMs, nextAttemptAt, parseRetryAfter, RETRY } from './retry-policy.js'
import { classify } from './send.js'

test('1 s, doubling, capped at 5 min', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 9, 10, 11, 30].map(backoffMs),
    [1000, 2000, 4000, 8000, 256_000, 300_000, 300_000, 300_000]
  )
})

test('gives up past an hour after creation or at 20 attempts', () => {
  const created = 0
  assert.equal(nextAttemptAt(1, created, 1000), 2000)
  assert.equal(nextAttemptAt(12, created, 3_500_000), undefined)
  assert.equal(nextAttemptAt(RETRY.maxAttempts, created, 10), undefined)
  assert.equal(nextAttemptAt(1, created, 0, 30_000), 30_000, 'Retry-After replaces the delay')
})

test('property: retrying from the first failure ends within the hour, with delays never shrinking', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10_000 }), (answerMs) => {
      let now = 0
      let attempts = 0
      let last = 0
      for (;;) {
        now += answerMs
        attempts += 1
        const next = nextAttemptAt(attempts, 0, now)
        if (next === undefined) {
          break
        }
        assert.ok(next - now >= last)
        last = next - now
        now = next
      }
      assert.ok(attempts <= RETRY.maxAttempts)
      assert.ok(now <= RETRY.giveUpAfterMs + answerMs)
    })
  )
})

test('Retry-After: seconds or an HTTP date', () => {
  const now = Date.parse('2026-12-07T12:00:00Z')
  assert.equal(parseRetryAfter('7', now), 7000)
  assert.equal(parseRetryAfter('Mon, 07 Dec 2026 12:00:30 GMT', now), 30_000)
  assert.equal(parseRetryAfter('soon', now), undefined)
  assert.equal(parseRetryAfter(undefined, now), undefined)
})

test('answers: 2xx delivered; 408, 429, 5xx retried; other 4xx and redirects fail at once', () => {
  assert.equal(classify(204, '', undefined, 0).kind, 'delivered')
  assert.equal(classify(500, 'boom', undefined, 0).kind, 'retry')
  assert.equal(classify(408, '', undefined, 0).kind, 'retry')
  assert.deepEqual(classify(429, 'slow down', '5', 0), {
    kind: 'retry',
    error: 'answered 429: slow down',
    retryAfterMs: 5000,
  })
  assert.deepEqual(classify(404, 'no_service', undefined, 0), {
    kind: 'failed',
    error: 'answered 404: no_service',
  })
  assert.deepEqual(classify(301, '', undefined, 0), {
    kind: 'failed',
    error: 'answered 301; redirects are not followed',
  })
})
