import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { inWindow, localTime, windowReason } from './windows.js'
import type { ExcludedWindow } from '../../../shared/continuous.js'

const at = (s: string) => Date.parse(s)

test('a recurring window is read in the schedule zone, on its days only', () => {
  const window: ExcludedWindow = {
    days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'],
    from: '09:00',
    to: '10:00',
  }
  const zone = 'Europe/Berlin'
  // Monday 2026-12-07: Berlin is UTC+1.
  assert.equal(inWindow(window, at('2026-12-07T08:00:00Z'), zone), true) // 09:00 local
  assert.equal(inWindow(window, at('2026-12-07T08:59:59Z'), zone), true)
  assert.equal(inWindow(window, at('2026-12-07T09:00:00Z'), zone), false) // 10:00: exclusive
  assert.equal(inWindow(window, at('2026-12-07T07:59:00Z'), zone), false)
  assert.equal(inWindow(window, at('2026-12-12T08:30:00Z'), zone), false) // Saturday
  // The same window in summer time (UTC+2).
  assert.equal(inWindow(window, at('2026-07-06T07:30:00Z'), zone), true)
})

test('a window spanning midnight covers the morning after, on the day it started', () => {
  const window: ExcludedWindow = { days: ['Fri'], from: '22:00', to: '02:00' }
  assert.equal(inWindow(window, at('2026-12-11T23:00:00Z'), 'UTC'), true) // Fri 23:00
  assert.equal(inWindow(window, at('2026-12-12T01:00:00Z'), 'UTC'), true) // Sat 01:00
  assert.equal(inWindow(window, at('2026-12-12T02:00:00Z'), 'UTC'), false)
  assert.equal(inWindow(window, at('2026-12-12T23:00:00Z'), 'UTC'), false) // Sat 23:00
  assert.equal(inWindow(window, at('2026-12-11T01:00:00Z'), 'UTC'), false) // Fri 01:00 (Thu's)
})

test('a fixed span holds exactly [start, end)', () => {
  const start = at('2026-12-20T00:00:00Z')
  const end = at('2027-01-04T00:00:00Z')
  const window: ExcludedWindow = {
    start: '2026-12-20T01:00:00+01:00',
    end: '2027-01-04T00:00:00Z',
    reason: 'change freeze',
  }
  fc.assert(
    fc.property(fc.integer({ min: start - 10 * 86_400_000, max: end + 10 * 86_400_000 }), (t) =>
      assert.equal(inWindow(window, t, 'UTC'), t >= start && t < end)
    )
  )
  assert.match(windowReason(window), /^excluded: change freeze/)
})

test('any recurring window agrees with its definition on the local clock', () => {
  const hhmm = fc.integer({ min: 0, max: 1439 })
  const pad = (m: number) =>
    `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`
  fc.assert(
    fc.property(hhmm, hhmm, fc.integer({ min: 0, max: 366 * 86_400_000 }), (from, to, offset) => {
      fc.pre(from !== to)
      const t = at('2026-01-01T00:00:00Z') + offset
      const { minute } = localTime(t, 'America/New_York')
      const expected = from < to ? minute >= from && minute < to : minute >= from || minute < to
      assert.equal(inWindow({ from: pad(from), to: pad(to) }, t, 'America/New_York'), expected)
    }),
    { numRuns: 500 }
  )
})
