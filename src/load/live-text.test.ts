import assert from 'node:assert/strict'
import { test } from 'node:test'
import { stripVTControlCharacters } from 'node:util'
import type { LoadTick } from './contract.js'
import { liveLoadText } from './live-text.js'
import { ProgressTotals, tickLine } from './summary-text.js'

// The text without colours, whether or not this terminal has them.
const plain = (s: string) => stripVTControlCharacters(s)

const tick = (over: Partial<LoadTick>): LoadTick => ({
  second: 7,
  sent: 100,
  ok: 100,
  errors: { http: 0, timeout: 0, connection: 0 },
  dropped: 0,
  p50: 2,
  p95: 3,
  p99: 3.214,
  inFlight: 1,
  oldestInFlightMs: 4,
  ...over,
})

test('a stall shows what is outstanding, not a p99 of 0', () => {
  const stalled = tick({
    ok: 0,
    sent: 37,
    p50: 0,
    p95: 0,
    p99: 0,
    inFlight: 37,
    oldestInFlightMs: 2300,
  })
  assert.equal(plain(liveLoadText(stalled)), '0 done in last 1 s, 37 outstanding (oldest 2.3 s)')
  assert.doesNotMatch(plain(liveLoadText(stalled)), /p99/)
  const progress = new ProgressTotals(20_000)
  progress.add(stalled)
  assert.match(
    plain(progress.line(stalled)),
    /0 done in last 1 s, 37 outstanding \(oldest 2\.3 s\)$/
  )
  assert.match(tickLine(stalled), /0 done, 37 outstanding \(oldest 2\.3 s\)$/)
})

test('a normal second shows its p99 with a unit; a stuck request is still named', () => {
  assert.equal(plain(liveLoadText(tick({}))), '100 sent/s, p99 3.21 ms')
  assert.equal(
    plain(
      liveLoadText(
        tick({
          inFlight: 3,
          oldestInFlightMs: 1500,
          errors: { http: 2, timeout: 0, connection: 0 },
        })
      )
    ),
    '100 sent/s, p99 3.21 ms, 2 err, 3 outstanding (oldest 1.5 s)'
  )
  // An idle second (nothing sent, nothing waiting) is not a stall.
  assert.equal(
    plain(liveLoadText(tick({ sent: 0, ok: 0, inFlight: 0, oldestInFlightMs: 0 }))),
    '0 done in last 1 s'
  )
})
