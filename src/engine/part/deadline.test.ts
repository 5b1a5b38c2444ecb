import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  kPartAcceptWaitMs,
  kPartDeadlineSlackMs,
  RunDeadline,
  watchdogAfterMs,
  type Timers,
} from './deadline.js'

/** A fake clock: timers fire when `advance` passes them. */
function fakeTimers() {
  let now = 0
  let next = 0
  const pending = new Map<number, { at: number; fn: () => void }>()
  const timers: Timers = {
    set: (fn, ms) => {
      pending.set(++next, { at: now + ms, fn })
      return next
    },
    clear: (handle) => void pending.delete(handle as number),
  }
  const advance = (to: number) => {
    for (;;) {
      const due = [...pending].filter(([, t]) => t.at <= to).sort((a, b) => a[1].at - b[1].at)[0]
      if (!due) {
        break
      }
      pending.delete(due[0])
      now = due[1].at
      due[1].fn()
    }
    now = to
  }
  return { timers, advance, now: () => now }
}

test('property: a part never expires before its coordinator, who starts up to the accept wait later (review 14b #9)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1_000, max: 3_600_000 }),
      fc.integer({ min: 0, max: kPartAcceptWaitMs }),
      (deadlineMs, prepareAt) => {
        const clock = fakeTimers()
        let expiredAt: number | undefined
        const deadline = new RunDeadline(
          deadlineMs,
          true,
          () => (expiredAt = clock.now()),
          clock.timers
        )
        clock.advance(prepareAt) // the coordinator's clock starts now, then it sends prepare
        deadline.prepared()
        clock.advance(prepareAt + deadlineMs + kPartDeadlineSlackMs + 1)
        assert.equal(expiredAt, prepareAt + deadlineMs + kPartDeadlineSlackMs)
        assert.ok(expiredAt < watchdogAfterMs(deadlineMs, true), 'the watchdog fires first')
      }
    )
  )
})

test('a part whose prepare never comes still ends; a local run keeps its plain deadline', () => {
  const clock = fakeTimers()
  let expired = 0
  new RunDeadline(10_000, true, () => expired++, clock.timers)
  clock.advance(10_000 + kPartAcceptWaitMs + kPartDeadlineSlackMs)
  assert.equal(expired, 1)
  const local = new RunDeadline(10_000, false, () => expired++, clock.timers)
  local.prepared()
  clock.advance(clock.now() + 10_000)
  assert.equal(expired, 2)
  assert.equal(watchdogAfterMs(10_000, false), 70_000)
})
