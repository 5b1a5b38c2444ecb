import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { BURST, RATE_PER_S, SAY_EVERY_MS, WorkloadRate } from './workload-rate.js'

test('a burst is taken, then RATE per second; what is over is said once per window', () => {
  const rate = new WorkloadRate()
  for (let i = 0; i < BURST; i++) {
    assert.deepEqual(rate.take('k8s', 0), { ok: true })
  }
  assert.deepEqual(rate.take('k8s', 0), {
    ok: false,
    say: `1 workload-changed frame(s) dropped: more than ${RATE_PER_S}/s after a burst of ${BURST}`,
  })
  assert.deepEqual(rate.take('k8s', 1), { ok: false })
  assert.deepEqual(rate.take('other', 1), { ok: true }, 'per agent')
  assert.deepEqual(rate.take('k8s', 1000 / RATE_PER_S + 1), { ok: true })
  for (let i = 0; i < 5; i++) {
    rate.take('k8s', 1000 / RATE_PER_S + 1)
  }
  const said = rate.take('k8s', SAY_EVERY_MS + 1)
  assert.equal(said.ok, true, 'refilled by then')
})

test('over any span, at most BURST + RATE × seconds frames are taken', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 2000 }), (gaps) => {
      const rate = new WorkloadRate()
      let now = 0
      let taken = 0
      for (const gap of gaps) {
        now += gap
        if (rate.take('a', now).ok) {
          taken++
        }
      }
      assert.ok(taken <= BURST + Math.floor((now / 1000) * RATE_PER_S) + 1)
    })
  )
})
