import assert from 'node:assert/strict'
import { test } from 'node:test'
import { LEASE_GRACE_MS, Leases, type Timers } from './leases.js'

/** Timers driven by hand: `advance` fires what is due, in order. */
function manualTimers() {
  let now = 0
  let next = 0
  const due = new Map<number, { at: number; fn: () => void }>()
  const timers: Timers & { advance(ms: number): void } = {
    now: () => now,
    set(fn, ms) {
      const id = next++
      due.set(id, { at: now + ms, fn })
      return id
    },
    clear(handle) {
      due.delete(handle as number)
    },
    advance(ms) {
      const until = now + ms
      for (;;) {
        const [id, first] = [...due].sort((a, b) => a[1].at - b[1].at)[0] ?? []
        if (first === undefined || first.at > until) {
          break
        }
        due.delete(id!)
        now = first.at
        first.fn()
      }
      now = until
    },
  }
  return timers
}

test('a lease lapses leaseMs + grace after the last frame, once, with its agent and lease', () => {
  const timers = manualTimers()
  const lapsed: string[] = []
  const leases = new Leases(timers, (runId, agent, leaseMs) =>
    lapsed.push(`${runId}@${agent}/${leaseMs}`)
  )
  timers.advance(1000)
  leases.arm('r1', 'edge-1', 400, 4000) // last frame at 400
  assert.deepEqual(leases.of('edge-1'), ['r1'])
  timers.advance(400 + 4000 + LEASE_GRACE_MS - 1000 - 1)
  assert.deepEqual(lapsed, [])
  timers.advance(1)
  assert.deepEqual(lapsed, ['r1@edge-1/4000'])
  assert.equal(leases.has('r1'), false)
  timers.advance(60_000)
  assert.equal(lapsed.length, 1)
})

test('a reconnect disarms; re-arming replaces the earlier timer', () => {
  const timers = manualTimers()
  const lapsed: string[] = []
  const leases = new Leases(timers, (runId) => lapsed.push(runId))
  leases.arm('r1', 'a', 0, 2000)
  leases.arm('r2', 'a', 0, 2000)
  assert.equal(leases.disarm('r1'), true)
  assert.equal(leases.disarm('r1'), false)
  leases.arm('r2', 'a', 5000, 2000)
  timers.advance(2000 + LEASE_GRACE_MS)
  assert.deepEqual(lapsed, [])
  timers.advance(5000)
  assert.deepEqual(lapsed, ['r2'])
  leases.arm('r3', 'b', timers.now(), 2000)
  leases.clearAll()
  timers.advance(60_000)
  assert.deepEqual(lapsed, ['r2'])
})
