/**
 * The scheduler on its own (no HTTP, no engine): a real SQLite store, a ManualClock and a
 * recording launcher. What the in-server tests cannot reach cheaply: a manifest that no longer
 * validates, and an outage long enough that recording every missed tick would be a flood.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { ManualClock } from '../support/manual-clock.js'
import { scheduledManifest } from '../support/schedule-center.js'
import { openStore } from '../../src/server/store/open.js'
import { createScheduler, type ExperimentRef } from '../../src/server/schedules/scheduler.js'
import type { Sql } from '../../src/server/store/sql.js'
import { until } from '../support/schedule-center.js'

interface HarnessOptions {
  /** Replaces the recording launcher's body (it still records the launch first). */
  launch?: (label: string) => Promise<void>
  /** Wraps the store's `execute` (to make one statement fail). */
  execute?: (
    text: string,
    values: readonly unknown[] | undefined,
    real: Sql['execute']
  ) => Promise<number>
  /** Called when the scheduler lists every experiment at start. */
  onList?: () => void
}

async function harness(refs: ExperimentRef[], clock: ManualClock, options: HarnessOptions = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-scheduler-'))
  const store = await openStore({ dataDir: dir })
  const createExperiment = async (ref: ExperimentRef) =>
    store.createExperiment({
      id: ref.id,
      name: ref.name,
      hypothesis: 'h',
      yaml: ref.yaml,
      createdBy: 'u',
      createdByName: 'u',
      labels: {},
      createdAt: new Date(clock.now()).toISOString(),
    })
  for (const ref of refs) {
    await createExperiment(ref)
  }
  const launched: string[] = []
  const logs: string[] = []
  const real = store.sql
  const sql: Sql = {
    get dialect() {
      return real.dialect
    },
    query: (text, values) => real.query(text, values),
    execute: (text, values) =>
      options.execute !== undefined
        ? options.execute(text, values, (t, v) => real.execute(t, v))
        : real.execute(text, values),
  } as Sql
  const make = () =>
    createScheduler({
      clock,
      sql,
      log: (line) => logs.push(line),
      experiments: async () => {
        const listed = [...refs]
        options.onList?.()
        return listed
      },
      experiment: async (id) => refs.find((r) => r.id === id),
      async launch(_e, def, dueAt) {
        const label = `${def.name}@${dueAt}`
        launched.push(label)
        await options.launch?.(label)
        return `run-${launched.length}`
      },
      async replace() {},
    })
  return {
    make,
    launched,
    logs,
    store,
    createExperiment,
    done: async () => {
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

test('a manifest that no longer validates keeps no schedules, and says so in one line', async () => {
  const clock = new ManualClock('2026-12-07T00:00:00Z')
  const bad = scheduledManifest('broken', "    - { name: often, cron: '* * * * *' }\n").replace(
    'wait: 100ms',
    'wait: soon'
  )
  const h = await harness([{ id: 'e1', name: 'broken', yaml: bad }], clock)
  try {
    const scheduler = h.make()
    await scheduler.start()
    assert.equal(scheduler.size, 0)
    assert.deepEqual(await scheduler.list(), [])
    assert.equal(h.logs.length, 1)
    assert.match(
      h.logs[0]!,
      /^experiment broken: its manifest does not validate, so it keeps no schedules: line 9: spec\.steps\[0\]\.wait: /
    )
    await scheduler.stop()
  } finally {
    await h.done()
  }
})

test('a day-long outage of a per-second schedule: one run, historyLimit rows, the rest counted', async () => {
  const clock = new ManualClock('2026-12-07T00:00:00.500Z')
  const yaml = scheduledManifest(
    'busy',
    "    - { name: each-second, cron: '* * * * * *', historyLimit: 20, startingDeadlineSeconds: 5 }\n"
  )
  const h = await harness([{ id: 'e1', name: 'busy', yaml }], clock)
  try {
    const first = h.make()
    await first.start()
    await first.stop()
    clock.jumpTo('2026-12-08T00:00:00.500Z')
    const second = h.make()
    const t0 = performance.now()
    await second.start()
    const ms = performance.now() - t0
    assert.deepEqual(h.launched, ['each-second@2026-12-08T00:00:00.000Z'])
    const ticks = (await second.ticks('e1', 'each-second', 100))!
    assert.equal(ticks.length, 20)
    assert.equal(ticks[0]!.outcome, 'ran')
    const oldest = ticks.at(-1)!
    assert.equal(oldest.outcome, 'skipped')
    assert.match(
      oldest.reason!,
      /^missed: the server was down; older than startingDeadlineSeconds 5; 10000\+ earlier missed tick\(s\) not listed$/
    )
    // Bounded work: the count stops at 10,000 croner steps.
    assert.ok(ms < 20_000, `${ms} ms`)
    await second.stop()
  } finally {
    await h.done()
  }
})

test('a manifest edited while a tick is being handled: the next tick follows the new expression', async () => {
  const clock = new ManualClock('2026-12-07T00:00:30Z')
  let release!: () => void
  const held = new Promise<void>((resolve) => (release = resolve))
  const ref = {
    id: 'e1',
    name: 'edited',
    yaml: scheduledManifest('edited', "    - { name: s, cron: '* * * * *' }\n"),
  }
  const h = await harness([ref], clock, {
    launch: (label) => (label.endsWith('00:01:00.000Z') ? held : Promise.resolve()),
  })
  try {
    const scheduler = h.make()
    await scheduler.start()
    await clock.advanceTo('2026-12-07T00:01:00Z')
    await until('the 00:01 launch', () => h.launched.length === 1)
    // Edited (to 03:00 daily) while the 00:01 tick waits for its launch.
    ref.yaml = scheduledManifest('edited', "    - { name: s, cron: '0 3 * * *' }\n")
    await scheduler.experimentChanged('e1')
    release()
    await until('the 00:01 tick to settle', async () => {
      const [tick] = (await scheduler.ticks('e1', 's', 1))!
      return tick?.outcome === 'ran'
    })
    await clock.advanceTo('2026-12-07T00:05:00Z')
    assert.deepEqual(h.launched, ['s@2026-12-07T00:01:00.000Z'])
    const [info] = await scheduler.list('e1')
    assert.equal(info!.nextTicks[0], '2026-12-07T03:00:00.000Z')
    await scheduler.stop()
  } finally {
    await h.done()
  }
})

test('an experiment created while the scheduler is still loading gets its schedules', async () => {
  const clock = new ManualClock('2026-12-07T00:00:30Z')
  const refs: ExperimentRef[] = [
    {
      id: 'e1',
      name: 'old',
      yaml: scheduledManifest('old', "    - { name: s, cron: '0 3 * * *' }\n"),
    },
  ]
  const late = {
    id: 'e2',
    name: 'late',
    yaml: scheduledManifest('late', "    - { name: s, cron: '* * * * *' }\n"),
  }
  let scheduler!: ReturnType<typeof h.make>
  const h = await harness(refs, clock, {
    // Listed at start without it; created (and published) before the load ends.
    onList: () => {
      refs.push(late)
      void scheduler.experimentChanged('e2')
    },
  })
  try {
    await h.createExperiment(late)
    scheduler = h.make()
    await scheduler.start()
    assert.deepEqual(
      (await scheduler.list()).map((i) => `${i.experimentName}/${i.name}`),
      ['late/s', 'old/s']
    )
    await clock.advanceTo('2026-12-07T00:01:00Z')
    await until("the late experiment's tick", () => h.launched.length === 1)
    assert.deepEqual(h.launched, ['s@2026-12-07T00:01:00.000Z'])
    await scheduler.stop()
  } finally {
    await h.done()
  }
})

test('a store failure mid-tick is recorded as a failed tick with why, and the next tick runs', async () => {
  const clock = new ManualClock('2026-12-07T00:00:30Z')
  let failures = 1
  const h = await harness(
    [
      {
        id: 'e1',
        name: 'flaky',
        yaml: scheduledManifest('flaky', "    - { name: s, cron: '* * * * *' }\n"),
      },
    ],
    clock,
    {
      async execute(text, values, real) {
        // The `pending` row of the first tick cannot be written: the store hiccups once.
        if (
          text.includes('INSERT INTO schedule_ticks') &&
          values?.[5] === 'pending' &&
          failures > 0
        ) {
          failures -= 1
          throw new Error('database is locked')
        }
        return real(text, values)
      },
    }
  )
  try {
    const scheduler = h.make()
    await scheduler.start()
    await clock.advanceTo('2026-12-07T00:01:00Z')
    await until(
      'the failed tick',
      async () => ((await scheduler.ticks('e1', 's', 10)) ?? []).length === 1
    )
    const [failed] = (await scheduler.ticks('e1', 's', 10))!
    assert.equal(failed!.dueAt, '2026-12-07T00:01:00.000Z')
    assert.equal(failed!.outcome, 'failed')
    assert.equal(failed!.reason, 'the scheduler could not record it: database is locked')
    assert.deepEqual(h.launched, [])
    await clock.advanceTo('2026-12-07T00:02:00Z')
    await until('the next tick', () => h.launched.length === 1)
    assert.deepEqual(h.launched, ['s@2026-12-07T00:02:00.000Z'])
    await scheduler.stop()
  } finally {
    await h.done()
  }
})

test('ticks whose launch is slow hold no slot: a 17th schedule due with 16 stuck ones still fires', async () => {
  const clock = new ManualClock('2026-12-07T00:00:30Z')
  let release!: () => void
  const held = new Promise<void>((resolve) => (release = resolve))
  // The free schedule comes last: at start-up, catch-up handles the schedules in this order.
  const refs: ExperimentRef[] = Array.from({ length: 17 }, (_, i) => ({
    id: `e${i}`,
    name: `x${i}`,
    yaml: scheduledManifest(
      `x${i}`,
      `    - { name: ${i < 16 ? 'stuck' : 'free'}, cron: '* * * * *' }\n`
    ),
  }))
  const h = await harness(refs, clock, {
    launch: (label) => (label.startsWith('stuck@') ? held : Promise.resolve()),
  })
  try {
    const first = h.make()
    await first.start()
    await first.stop()
    clock.jumpTo('2026-12-07T00:01:10Z')
    const second = h.make()
    const starting = second.start()
    await until('the free schedule to launch', () => h.launched.some((l) => l.startsWith('free@')))
    assert.equal(h.launched.length, 17)
    release()
    await starting
    await second.stop()
  } finally {
    release()
    await h.done()
  }
})
