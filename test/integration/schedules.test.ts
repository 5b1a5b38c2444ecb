/**
 * The scheduler in a real Chaos Center (in this process, real store, real embedded agent and
 * real runs) on a ManualClock: no sleeping through minutes. Each test has its own data
 * directory, so restarts (close, jump the clock, start again on the same directory) are real.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, test } from 'node:test'
import { ManualClock } from '../support/manual-clock.js'
import {
  scheduleCenter,
  scheduledManifest as manifest,
  until,
  type ScheduleCenter,
} from '../support/schedule-center.js'
import type { Run, RunSummary } from '../../src/shared/api.js'
import type { ScheduleInfo } from '../../src/shared/continuous.js'

const open: ScheduleCenter[] = []
const dirs: string[] = []

afterEach(async () => {
  for (const center of open.splice(0)) {
    await center.close()
  }
  for (const dir of dirs.splice(0)) {
    rmSync(dir, { recursive: true, force: true })
  }
})

async function fresh(start: string) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-schedules-'))
  dirs.push(dataDir)
  const clock = new ManualClock(start)
  const center = await scheduleCenter(dataDir, clock)
  open.push(center)
  return { dataDir, clock, center }
}

const outcomes = (ticks: { dueAt: string; outcome: string; reason?: string }[]) =>
  ticks.map((t) => [t.dueAt, t.outcome, t.reason]).reverse()

test('a tick starts a real run on the embedded agent, and the run says which tick', async () => {
  const { center } = await fresh('2026-12-07T00:00:30Z')
  const experiment = await center.create(
    manifest('every-minute', "    - { name: minutely, cron: '* * * * *' }\n")
  )
  const [info] = await center.schedules(experiment.id)
  assert.deepEqual(info!.nextTicks.slice(0, 2), [
    '2026-12-07T00:01:00.000Z',
    '2026-12-07T00:02:00.000Z',
  ])
  await center.advanceTo('2026-12-07T00:01:00Z')
  const [tick] = await center.ticks(experiment.id, 'minutely')
  assert.equal(tick?.outcome, 'ran', tick?.reason)
  const run = await center.call<Run>('GET', `/api/runs/${tick!.runId}`)
  assert.deepEqual(run.json.cause, {
    kind: 'schedule',
    schedule: 'minutely',
    dueAt: '2026-12-07T00:01:00.000Z',
  })
  assert.equal(run.json.verdict, 'pass', run.json.reason)
  assert.equal(run.json.startedByName, 'schedule minutely')
  const [after] = await center.schedules(experiment.id)
  assert.equal(after!.lastTick?.runId, tick!.runId)
  assert.equal(after!.nextTicks[0], '2026-12-07T00:02:00.000Z')
})

test('Europe/Berlin spring forward: 02:30 that does not exist fires once, at 03:00 CEST', async () => {
  const { center } = await fresh('2026-03-28T12:00:00Z')
  const experiment = await center.create(
    manifest('spring', "    - { name: night, cron: '30 2 * * *', timeZone: Europe/Berlin }\n")
  )
  const [info] = await center.schedules(experiment.id)
  assert.deepEqual(info!.nextTicks.slice(0, 2), [
    '2026-03-29T01:00:00.000Z',
    '2026-03-30T00:30:00.000Z',
  ])
  await center.advanceTo('2026-03-29T01:00:00Z')
  await center.advanceTo('2026-03-30T12:00:00Z')
  assert.deepEqual(outcomes(await center.ticks(experiment.id, 'night')), [
    ['2026-03-29T01:00:00.000Z', 'ran', undefined],
    ['2026-03-30T00:30:00.000Z', 'ran', undefined],
  ])
})

test('Europe/Berlin fall back: 02:30 that occurs twice fires once', async () => {
  const { center } = await fresh('2026-10-24T12:00:00Z')
  const experiment = await center.create(
    manifest('autumn', "    - { name: night, cron: '30 2 * * *', timeZone: Europe/Berlin }\n")
  )
  await center.advanceTo('2026-10-25T00:30:00Z')
  await center.advanceTo('2026-10-25T01:30:00Z') // 02:30 CET, the second 02:30: nothing
  await center.advanceTo('2026-10-26T12:00:00Z')
  assert.deepEqual(outcomes(await center.ticks(experiment.id, 'night')), [
    ['2026-10-25T00:30:00.000Z', 'ran', undefined],
    ['2026-10-26T01:30:00.000Z', 'ran', undefined],
  ])
  assert.equal((await center.runs(experiment.id)).length, 2)
})

test('jitter: the tick due when the next ticks said fires within [due, due + jitter), not before', async () => {
  const { center, clock } = await fresh('2026-12-07T00:00:30Z')
  const experiment = await center.create(
    manifest('jittery', "    - { name: spread, cron: '* * * * *', jitter: 30s }\n")
  )
  // Next ticks are due times; the fire time adds the tick's own jitter.
  const [shown] = await center.schedules(experiment.id)
  await center.advanceTo('2026-12-07T00:01:00Z')
  const early = await center.ticks(experiment.id, 'spread')
  await center.advanceTo('2026-12-07T00:01:30Z')
  const [tick] = await center.ticks(experiment.id, 'spread')
  assert.equal(tick!.dueAt, shown!.nextTicks[0])
  const offset = Date.parse(tick!.fireAt!) - Date.parse(tick!.dueAt)
  assert.ok(offset >= 0 && offset < 30_000, String(offset))
  // Not before its fire time, and on it (the ManualClock fires exactly).
  assert.equal(early.length === 0, offset > 0)
  assert.equal(tick!.firedAt, tick!.fireAt)
  assert.ok(clock.now() >= Date.parse(tick!.fireAt!))
})

test('Forbid: a tick while a run is still going is skipped and says which run', async () => {
  const { center, clock } = await fresh('2026-12-07T00:00:30Z')
  const experiment = await center.create(
    manifest('forbidden', "    - { name: minutely, cron: '* * * * *' }\n", '60s')
  )
  const started = await center.call<RunSummary>('POST', '/api/runs', {
    experimentId: experiment.id,
  })
  assert.equal(started.status, 201, started.text)
  // The run goes on in real time while the tick comes on the manual clock.
  await clock.advanceTo('2026-12-07T00:01:00Z')
  await until(
    'the tick',
    async () => (await center.ticks(experiment.id, 'minutely'))[0]?.outcome === 'skipped'
  )
  const [tick] = await center.ticks(experiment.id, 'minutely')
  assert.equal(tick!.reason, `a run is still going: ${started.json.id}`)
  const abort = await center.call('POST', `/api/runs/${started.json.id}/abort`)
  assert.equal(abort.status, 200, abort.text)
  await center.settled()
  assert.equal((await center.runs(experiment.id)).length, 1)
})

test('Replace: its own running run is aborted (rolled back), then the tick starts a new one; a run it did not start makes it skip', async () => {
  const { center, clock } = await fresh('2026-12-07T00:00:30Z')
  const experiment = await center.create(
    manifest(
      'replaced',
      "    - { name: minutely, cron: '* * * * *', concurrencyPolicy: Replace }\n",
      '60s'
    )
  )
  const ticked = (dueAt: string, outcome: string) =>
    until(`the ${dueAt} tick`, async () => {
      const [last] = await center.ticks(experiment.id, 'minutely')
      return last?.dueAt === dueAt && last.outcome === outcome
    })
  await clock.advanceTo('2026-12-07T00:01:00Z')
  await ticked('2026-12-07T00:01:00.000Z', 'ran')
  const [first] = await center.ticks(experiment.id, 'minutely')
  await clock.advanceTo('2026-12-07T00:02:00Z')
  await ticked('2026-12-07T00:02:00.000Z', 'ran')
  const [tick] = await center.ticks(experiment.id, 'minutely')
  assert.notEqual(tick!.runId, first!.runId)
  const old = await center.call<Run>('GET', `/api/runs/${first!.runId}`)
  assert.equal(old.json.verdict, 'interrupted')
  assert.match(old.json.reason ?? '', /replaced by schedule minutely/)
  const now = await center.call<Run>('GET', `/api/runs/${tick!.runId}`)
  assert.equal(now.json.status, 'running')
  await center.call('POST', `/api/runs/${tick!.runId}/abort`)
  await center.settled()

  // A manual run (as a gate's or a trigger's) is not this schedule's to abort.
  const manual = await center.call<RunSummary>('POST', '/api/runs', {
    experimentId: experiment.id,
  })
  assert.equal(manual.status, 201, manual.text)
  await clock.advanceTo('2026-12-07T00:03:00Z')
  await ticked('2026-12-07T00:03:00.000Z', 'skipped')
  const [skipped] = await center.ticks(experiment.id, 'minutely')
  assert.equal(skipped!.reason, `a run not started by this schedule is going: ${manual.json.id}`)
  const still = await center.call<Run>('GET', `/api/runs/${manual.json.id}`)
  assert.equal(still.json.status, 'running')
  await center.call('POST', `/api/runs/${manual.json.id}/abort`)
  await center.settled()
})

test('Allow: the embedded agent runs one run per experiment; its refusal is a failed tick', async () => {
  const { center, clock } = await fresh('2026-12-07T00:00:30Z')
  const experiment = await center.create(
    manifest(
      'allowed',
      "    - { name: minutely, cron: '* * * * *', concurrencyPolicy: Allow }\n",
      '60s'
    )
  )
  const first = await center.call<RunSummary>('POST', '/api/runs', { experimentId: experiment.id })
  await clock.advanceTo('2026-12-07T00:01:00Z')
  await until(
    'the tick',
    async () => (await center.ticks(experiment.id, 'minutely'))[0]?.outcome === 'failed'
  )
  const [tick] = await center.ticks(experiment.id, 'minutely')
  assert.equal(tick!.reason, 'experiment allowed already has a running run')
  await center.call('POST', `/api/runs/${first.json.id}/abort`)
  await center.settled()
})

test('server down across ticks: missed ticks recorded skipped, one run at most, nothing burst; a restart runs nothing twice', async () => {
  const { center, clock, dataDir } = await fresh('2026-12-07T00:00:30Z')
  const deadline = await center.create(
    manifest(
      'deadline',
      "    - { name: minutely, cron: '* * * * *', startingDeadlineSeconds: 120 }\n"
    )
  )
  const latest = await center.create(
    manifest('latest', "    - { name: minutely, cron: '* * * * *' }\n")
  )
  const token = center.token
  await center.close()
  open.splice(0)

  clock.jumpTo('2026-12-07T00:10:30Z')
  const again = await scheduleCenter(dataDir, clock, token)
  open.push(again)
  await again.settled()
  const down = 'missed: the server was down'
  const deadlineTicks = outcomes(await again.ticks(deadline.id, 'minutely'))
  assert.deepEqual(deadlineTicks, [
    ...Array.from({ length: 8 }, (_, i) => [
      `2026-12-07T00:0${i + 1}:00.000Z`,
      'skipped',
      `${down}; older than startingDeadlineSeconds 120`,
    ]),
    ['2026-12-07T00:09:00.000Z', 'skipped', `${down}; superseded by a later tick`],
    ['2026-12-07T00:10:00.000Z', 'ran', undefined],
  ])
  const latestTicks = outcomes(await again.ticks(latest.id, 'minutely'))
  assert.equal(latestTicks.length, 10)
  assert.deepEqual(latestTicks.at(-1), ['2026-12-07T00:10:00.000Z', 'ran', undefined])
  assert.ok(
    latestTicks
      .slice(0, -1)
      .every((t) => t[1] === 'skipped' && t[2] === `${down}; superseded by a later tick`)
  )
  assert.equal((await again.runs(deadline.id)).length, 1)
  assert.equal((await again.runs(latest.id)).length, 1)

  // A server that dies while starting a tick (its row `pending`, its run never recorded).
  await again.server.ctx.store.sql.execute(
    "INSERT INTO schedule_ticks (experiment_id, name, due_at, fire_at, outcome) VALUES ($1, 'minutely', '2026-12-07T00:11:00.000Z', '2026-12-07T00:11:00.000Z', 'pending')",
    [latest.id]
  )
  await again.close()
  open.splice(0)
  clock.jumpTo('2026-12-07T00:11:10Z')
  const third = await scheduleCenter(dataDir, clock, token)
  open.push(third)
  await third.settled()
  const [died] = await third.ticks(latest.id, 'minutely')
  assert.equal(died!.dueAt, '2026-12-07T00:11:00.000Z')
  assert.equal(died!.outcome, 'failed')
  assert.equal(died!.reason, 'the server stopped while starting it')
  // The other schedule ran its 00:11 tick once; a restart at the same time runs nothing more.
  assert.equal((await third.runs(deadline.id)).length, 2)
  assert.equal((await third.runs(latest.id)).length, 1)
  await third.close()
  open.splice(0)
  const fourth = await scheduleCenter(dataDir, clock, token)
  open.push(fourth)
  await fourth.settled()
  assert.equal((await fourth.runs(deadline.id)).length, 2)
  assert.equal((await fourth.runs(latest.id)).length, 1)
})

test('excluded windows: a tick inside one is skipped with its reason; next ticks leave it out', async () => {
  const { center } = await fresh('2026-12-07T07:30:00Z') // a Monday
  const experiment = await center.create(
    manifest(
      'windowed',
      `    - name: hourly
      cron: '0 * * * *'
      timeZone: Europe/Berlin
      exclude:
        - { days: [Mon, Tue, Wed, Thu, Fri], from: '09:00', to: '10:00', reason: standup }
        - { start: '2026-12-07T11:00:00+01:00', end: '2026-12-07T12:00:00+01:00' }
`
    )
  )
  const [info] = await center.schedules(experiment.id)
  assert.deepEqual(info!.nextTicks.slice(0, 3), [
    '2026-12-07T09:00:00.000Z', // 10:00 Berlin; 09:00 and 11:00 are excluded
    '2026-12-07T11:00:00.000Z',
    '2026-12-07T12:00:00.000Z',
  ])
  for (const hour of ['08', '09', '10', '11']) {
    await center.advanceTo(`2026-12-07T${hour}:00:00Z`)
  }
  assert.deepEqual(outcomes(await center.ticks(experiment.id, 'hourly')), [
    ['2026-12-07T08:00:00.000Z', 'skipped', 'excluded: standup (Mon,Tue,Wed,Thu,Fri 09:00-10:00)'],
    ['2026-12-07T09:00:00.000Z', 'ran', undefined],
    [
      '2026-12-07T10:00:00.000Z',
      'skipped',
      'excluded window (2026-12-07T11:00:00+01:00 to 2026-12-07T12:00:00+01:00)',
    ],
    ['2026-12-07T11:00:00.000Z', 'ran', undefined],
  ])
})

test('pause and resume through the API: no ticks while paused, none caught up on resume', async () => {
  const { center } = await fresh('2026-12-07T00:00:30Z')
  const experiment = await center.create(
    manifest(
      'pausable',
      "    - { name: minutely, cron: '* * * * *' }\n    - { name: held, cron: '0 3 * * *', suspend: true }\n"
    )
  )
  const base = `/api/experiments/${experiment.id}/schedules`
  const paused = await center.call<ScheduleInfo>('POST', `${base}/minutely/pause`)
  assert.equal(paused.status, 200, paused.text)
  assert.equal(paused.json.paused, true)
  assert.equal(paused.json.pausedBy, 'owner')
  assert.deepEqual(paused.json.nextTicks, [])
  await center.advanceTo('2026-12-07T00:03:30Z')
  assert.deepEqual(await center.ticks(experiment.id, 'minutely'), [])
  const resumed = await center.call<ScheduleInfo>('POST', `${base}/minutely/resume`)
  assert.equal(resumed.status, 200, resumed.text)
  assert.equal(resumed.json.paused, false)
  assert.equal(resumed.json.nextTicks[0], '2026-12-07T00:04:00.000Z')
  await center.settled()
  assert.deepEqual(await center.ticks(experiment.id, 'minutely'), [])
  await center.advanceTo('2026-12-07T00:04:00Z')
  assert.deepEqual(outcomes(await center.ticks(experiment.id, 'minutely')), [
    ['2026-12-07T00:04:00.000Z', 'ran', undefined],
  ])

  const held = (await center.schedules(experiment.id)).find((s) => s.name === 'held')
  assert.equal(held!.paused, true)
  const refused = await center.call<{ message: string }>('POST', `${base}/held/resume`)
  assert.equal(refused.status, 409)
  assert.match(refused.json.message, /suspended in the manifest/)
  const missing = await center.call<{ message: string }>('POST', `${base}/nope/pause`)
  assert.equal(missing.status, 404)
  assert.equal(missing.json.message, 'schedule nope of experiment pausable not found')
  const ticksOfMissing = await center.call('GET', `${base}/nope/ticks`)
  assert.equal(ticksOfMissing.status, 404)
  const unknown = await center.call('GET', '/api/experiments/no-such/schedules')
  assert.equal(unknown.status, 404)
})

test('schedules follow their manifest (edited, one removed, one added); historyLimit prunes ticks', async () => {
  const { center } = await fresh('2026-12-07T00:00:30Z')
  const experiment = await center.create(
    manifest('edited', "    - { name: minutely, cron: '* * * * *', historyLimit: 2 }\n")
  )
  for (const m of ['01', '02', '03']) {
    await center.advanceTo(`2026-12-07T00:${m}:00Z`)
  }
  const ticks = await center.ticks(experiment.id, 'minutely')
  assert.deepEqual(
    ticks.map((t) => t.dueAt),
    ['2026-12-07T00:03:00.000Z', '2026-12-07T00:02:00.000Z']
  )
  const edited = await center.call('PUT', `/api/experiments/${experiment.id}`, {
    yaml: manifest('edited', "    - { name: hourly, cron: '0 * * * *' }\n"),
  })
  assert.equal(edited.status, 200, edited.text)
  const [info] = await center.schedules(experiment.id)
  assert.equal(info!.name, 'hourly')
  assert.equal(info!.nextTicks[0], '2026-12-07T01:00:00.000Z')
  const all = await center.call<ScheduleInfo[]>('GET', '/api/schedules')
  assert.deepEqual(
    all.json.map((s) => `${s.experimentName}/${s.name}`),
    ['edited/hourly']
  )
  // The removed schedule's history is still there to read (its historyLimit kept).
  const history = await center.ticks(experiment.id, 'minutely')
  assert.deepEqual(
    history.map((t) => t.dueAt),
    ['2026-12-07T00:03:00.000Z', '2026-12-07T00:02:00.000Z']
  )
})

test('GET /api/schedules pages with limit and offset, in experiment then schedule order', async () => {
  const { center } = await fresh('2026-12-07T00:00:30Z')
  for (const name of ['b-exp', 'a-exp']) {
    await center.create(
      manifest(
        name,
        "    - { name: one, cron: '0 3 * * *' }\n    - { name: two, cron: '0 4 * * *' }\n"
      )
    )
  }
  const names = async (query: string) => {
    const r = await center.call<ScheduleInfo[]>('GET', `/api/schedules${query}`)
    assert.equal(r.status, 200, r.text)
    return r.json.map((s) => `${s.experimentName}/${s.name}`)
  }
  assert.deepEqual(await names(''), ['a-exp/one', 'a-exp/two', 'b-exp/one', 'b-exp/two'])
  assert.deepEqual(await names('?limit=2'), ['a-exp/one', 'a-exp/two'])
  assert.deepEqual(await names('?limit=2&offset=1'), ['a-exp/two', 'b-exp/one'])
  assert.deepEqual(await names('?offset=3'), ['b-exp/two'])
  const bad = await center.call<{ message: string }>('GET', '/api/schedules?limit=0')
  assert.equal(bad.status, 400)
})
