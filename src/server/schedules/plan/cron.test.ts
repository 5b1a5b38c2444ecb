import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MAX_SHARED, cronOf, dueBetween, nextDue, sharedCrons } from './cron.js'

const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString())
const walk = (cron: string, timeZone: string, from: string, n: number) => {
  const c = cronOf({ cron, timeZone })
  const out: string[] = []
  let t: number | undefined = Date.parse(from)
  for (let i = 0; i < n; i++) {
    t = nextDue(c, t!)
    out.push(iso(t)!)
  }
  return out
}

test('Europe/Berlin spring forward: 02:30 does not exist that night and fires once, at 03:00', () => {
  assert.deepEqual(walk('30 2 * * *', 'Europe/Berlin', '2026-03-27T12:00:00Z', 3), [
    '2026-03-28T01:30:00.000Z', // 02:30 CET
    '2026-03-29T01:00:00.000Z', // 03:00 CEST: the first valid time after the gap
    '2026-03-30T00:30:00.000Z', // 02:30 CEST
  ])
})

test('Europe/Berlin fall back: 02:30 exists twice and fires once', () => {
  assert.deepEqual(walk('30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', 3), [
    '2026-10-25T00:30:00.000Z', // 02:30 CEST, the first of the two
    '2026-10-26T01:30:00.000Z', // 02:30 CET the day after
    '2026-10-27T01:30:00.000Z',
  ])
  // A list of fixed hours, too: 02:00 fires once although it occurs twice.
  assert.deepEqual(walk('0 1-3 * * *', 'Europe/Berlin', '2026-10-24T22:00:00Z', 3), [
    '2026-10-24T23:00:00.000Z',
    '2026-10-25T00:00:00.000Z',
    '2026-10-25T02:00:00.000Z',
  ])
})

test('an interval expression keeps its rhythm in absolute time through the repeated hour', () => {
  const ticks = walk('*/30 * * * *', 'Europe/Berlin', '2026-10-24T23:45:00Z', 6)
  const gaps = ticks.slice(1).map((t, i) => Date.parse(t) - Date.parse(ticks[i]!))
  assert.deepEqual(new Set(gaps), new Set([30 * 60_000]))
})

test('6 fields read seconds first; the default zone is UTC', () => {
  assert.deepEqual(walk('*/20 * * * * *', 'UTC', '2026-12-07T00:00:00Z', 3), [
    '2026-12-07T00:00:20.000Z',
    '2026-12-07T00:00:40.000Z',
    '2026-12-07T00:01:00.000Z',
  ])
})

test('dueBetween lists at most max newest ticks and counts the older ones', () => {
  const c = cronOf({ cron: '* * * * *', timeZone: 'UTC' })
  const after = Date.parse('2026-12-07T00:00:00Z')
  const until = Date.parse('2026-12-07T10:00:00Z')
  const few = dueBetween(c, after, Date.parse('2026-12-07T00:03:00Z'), 10)
  assert.deepEqual(few.due.map(iso), [
    '2026-12-07T00:01:00.000Z',
    '2026-12-07T00:02:00.000Z',
    '2026-12-07T00:03:00.000Z',
  ])
  assert.equal(few.older, 0)
  const many = dueBetween(c, after, until, 5)
  assert.equal(many.due.length, 5)
  assert.equal(iso(many.due.at(-1)), '2026-12-07T10:00:00.000Z')
  assert.equal(many.older, 600 - 5)
  assert.equal(many.olderIsLowerBound, false)
  const capped = dueBetween(c, after, until, 5, 100)
  assert.equal(capped.older, 100)
  assert.equal(capped.olderIsLowerBound, true)
})

test('an expression or zone croner refuses throws', () => {
  assert.throws(() => cronOf({ cron: '61 * * * *', timeZone: 'UTC' }), /minute/)
  assert.throws(
    () => nextDue(cronOf({ cron: '* * * * *', timeZone: 'Mars/Base' }), 0),
    /Mars\/Base/
  )
})

test('the shared instances are bounded (least recently used leave) and still shared while used', () => {
  const kept = cronOf({ cron: '7 7 * * *', timeZone: 'UTC' })
  for (let i = 0; i < MAX_SHARED + 500; i++) {
    cronOf({
      cron: `${i % 60} ${Math.floor(i / 60) % 24} ${1 + Math.floor(i / 1440)} * *`,
      timeZone: 'UTC',
    })
    if (i % 100 === 0) {
      assert.equal(cronOf({ cron: '7 7 * * *', timeZone: 'UTC' }), kept)
    }
  }
  assert.ok(sharedCrons() <= MAX_SHARED, String(sharedCrons()))
  assert.equal(cronOf({ cron: '7 7 * * *', timeZone: 'UTC' }), kept)
})
