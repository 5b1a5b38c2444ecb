import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { planCatchUp, type CatchUpInput } from './catch-up.js'
import { upcomingTicks } from './upcoming.js'
import { cronOf } from './cron.js'

const MIN = 60_000
const T0 = Date.parse('2026-12-07T00:00:00Z')
const base = (over: Partial<CatchUpInput>): CatchUpInput => ({
  due: [],
  older: 0,
  now: T0,
  fireAt: (d) => d,
  exclude: [],
  timeZone: 'UTC',
  startingUp: true,
  ...over,
})

test('on time: the one due tick runs', () => {
  const plan = planCatchUp(base({ due: [T0], now: T0 + 3 }))
  assert.deepEqual(plan, [{ dueAt: T0, fireAt: T0, action: 'run' }])
})

test('after downtime with a deadline: older ones skipped as missed, the newest in time runs once', () => {
  const due = [0, 1, 2, 3, 4].map((i) => T0 + i * MIN)
  const plan = planCatchUp(base({ due, now: T0 + 4 * MIN + 30_000, startingDeadlineSeconds: 90 }))
  assert.deepEqual(
    plan.map((d) => [d.action, d.reason]),
    [
      ['skip', 'missed: the server was down; older than startingDeadlineSeconds 90'],
      ['skip', 'missed: the server was down; older than startingDeadlineSeconds 90'],
      ['skip', 'missed: the server was down; older than startingDeadlineSeconds 90'],
      ['skip', 'missed: the server was down; superseded by a later tick'],
      ['run', undefined],
    ]
  )
})

test('all older than the deadline: nothing runs', () => {
  const due = [0, 1].map((i) => T0 + i * MIN)
  const plan = planCatchUp(base({ due, now: T0 + 10 * MIN, startingDeadlineSeconds: 60 }))
  assert.deepEqual(new Set(plan.map((d) => d.action)), new Set(['skip']))
})

test('startingDeadlineSeconds 0 still runs a tick the timer fires a few ms late', () => {
  const plan = planCatchUp(
    base({ due: [T0], now: T0 + 20, startingDeadlineSeconds: 0, startingUp: false })
  )
  assert.equal(plan[0]!.action, 'run')
})

test('an excluded newest tick runs nothing in its stead; the reason names the window', () => {
  const due = [T0 + 8 * 60 * MIN, T0 + 9 * 60 * MIN] // 08:00 and 09:00 UTC on a Monday
  const plan = planCatchUp(
    base({
      due,
      now: due[1]! + 5,
      exclude: [{ days: ['Mon'], from: '09:00', to: '10:00', reason: 'standup' }],
    })
  )
  assert.deepEqual(
    plan.map((d) => [d.action, d.reason]),
    [
      ['skip', 'missed: the server was down; superseded by a later tick'],
      ['skip', 'excluded: standup (Mon 09:00-10:00)'],
    ]
  )
})

test('older ticks not listed are counted on the oldest row', () => {
  const plan = planCatchUp(base({ due: [T0, T0 + MIN], older: 5000, now: T0 + MIN }))
  assert.match(plan[0]!.reason!, /5000 earlier missed tick\(s\) not listed$/)
})

test('property: never a burst; every tick gets a decision, every skip a reason', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 60 }),
      fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }),
      fc.integer({ min: 0, max: 60_000 }),
      fc.integer({ min: 0, max: 5_000_000 }),
      (minutes, deadline, jitter, extra) => {
        const due = [...minutes].sort((a, b) => a - b).map((m) => T0 + m * MIN)
        const fireAt = (d: number) => d + (d % (jitter + 1))
        const now = Math.max(...due.map(fireAt)) + extra
        const plan = planCatchUp(
          base({
            due,
            now,
            fireAt,
            ...(deadline !== undefined ? { startingDeadlineSeconds: deadline } : {}),
          })
        )
        assert.equal(plan.length, due.length)
        const runs = plan.filter((d) => d.action === 'run')
        assert.ok(runs.length <= 1)
        assert.ok(plan.every((d) => d.action === 'run' || (d.reason ?? '').length > 0))
        if (deadline === undefined) {
          // Without a deadline the newest always runs (no windows here).
          assert.equal(runs[0]?.dueAt, due.at(-1))
        }
        for (const run of runs) {
          assert.ok(deadline === undefined || now - run.fireAt <= Math.max(deadline * 1000, 1000))
        }
      }
    ),
    { numRuns: 500 }
  )
})

test('next ticks skip excluded windows', () => {
  const cron = cronOf({ cron: '0 * * * *', timeZone: 'Europe/Berlin' })
  const ticks = upcomingTicks(
    cron,
    Date.parse('2026-12-07T06:30:00Z'), // 07:30 in Berlin, a Monday
    [{ days: ['Mon'], from: '09:00', to: '11:00' }],
    'Europe/Berlin',
    4
  ).map((t) => new Date(t).toISOString())
  assert.deepEqual(ticks, [
    '2026-12-07T07:00:00.000Z', // 08:00
    '2026-12-07T10:00:00.000Z', // 11:00 (09:00 and 10:00 excluded)
    '2026-12-07T11:00:00.000Z',
    '2026-12-07T12:00:00.000Z',
  ])
  assert.deepEqual(
    upcomingTicks(
      cron,
      T0,
      [
        { from: '00:00', to: '23:59' },
        { from: '23:59', to: '00:00' },
      ],
      'UTC'
    ),
    []
  )
})

test('a tick due before a window but starting inside it (jitter, or caught up late) is skipped', () => {
  const standup = {
    days: ['Mon' as const, 'Tue' as const, 'Wed' as const, 'Thu' as const, 'Fri' as const],
    from: '09:00',
    to: '10:00',
    reason: 'standup',
  }
  const due = Date.parse('2026-12-07T08:55:00Z') // a Monday
  // Jitter: due 08:55, fires 09:04.
  const jittered = planCatchUp(
    base({ due: [due], now: due + 9 * MIN, fireAt: (d) => d + 9 * MIN, exclude: [standup] })
  )
  assert.deepEqual(
    jittered.map((d) => [d.action, d.reason]),
    [['skip', 'excluded: standup (Mon,Tue,Wed,Thu,Fri 09:00-10:00)']]
  )
  // A server down 08:50-09:30 with no deadline: the 08:55 tick would start at 09:30.
  const late = planCatchUp(base({ due: [due], now: due + 35 * MIN, exclude: [standup] }))
  assert.deepEqual(
    late.map((d) => d.action),
    ['skip']
  )
  // Outside the window both ways: it runs.
  const fine = planCatchUp(base({ due: [due], now: due + 2 * MIN, exclude: [standup] }))
  assert.deepEqual(
    fine.map((d) => d.action),
    ['run']
  )
})

test('next ticks leave out a tick whose jittered fire time lands in a window', () => {
  const cron = cronOf({ cron: '55 * * * *', timeZone: 'UTC' })
  const ticks = upcomingTicks(
    cron,
    Date.parse('2026-12-07T07:00:00Z'), // a Monday
    [{ days: ['Mon'], from: '09:00', to: '10:00' }],
    'UTC',
    2,
    (due) => due + 9 * MIN
  ).map((t) => new Date(t).toISOString())
  // 08:55 fires 09:04 (in the window); 09:55 is due in it.
  assert.deepEqual(ticks, ['2026-12-07T07:55:00.000Z', '2026-12-07T10:55:00.000Z'])
})
