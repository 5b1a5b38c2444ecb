/**
 * 10,000 schedules in one scheduler (issue 16, "Performance"): the real scheduler
 * (src/server/schedules/scheduler.ts) on the SYSTEM clock and a real SQLite store, with a
 * recording launcher (no real runs: what is measured is the scheduler, not the engine).
 *
 * - Tick accuracy: every schedule is `*\/30 * * * * *` (6 fields, so minutes of ticks take
 *   seconds of wall time) with `jitter: 10s`; for each launch, fire time − due time (jitter
 *   included) and fire time − the tick's own fire time (due + its jitter: the lateness).
 * - Idle: 10,000 daily schedules armed (one timer), CPU and RSS over a quiet period, against
 *   the baseline of an empty scheduler on an empty store measured in the same process first.
 * Usage: `node --import tsx bench/schedules.ts [schedules=10000] [accuracySeconds=150] [idleSeconds=30] [jitter=10s]`
 * (idleSeconds 0 skips the idle part).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { systemClock } from '../src/server/continuous/clock.js'
import { createScheduler, type ExperimentRef } from '../src/server/schedules/scheduler.js'
import { openStore } from '../src/server/store/open.js'
import type { Store } from '../src/server/store/contract.js'
import { machine } from './support/center.js'

const count = Number(process.argv[2] ?? 10_000)
const accuracySeconds = Number(process.argv[3] ?? 150)
const idleSeconds = Number(process.argv[4] ?? 30)
/** `0s`: every schedule due at the same second with no spread (the worst burst). */
const jitter = process.argv[5] ?? '10s'

const yamlOf = (name: string, schedule: string) => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: ${name}
spec:
  hypothesis: Waiting holds.
  steps:
    - name: nap
      wait: 100ms
  schedules:
    - ${schedule}
`

async function storeWith(n: number, schedule: string): Promise<{ store: Store; dir: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-bench-schedules-'))
  const store = await openStore({ dataDir: dir })
  const now = new Date().toISOString()
  for (let i = 0; i < n; i++) {
    const name = `bench-${i}`
    await store.createExperiment({
      id: `e${i}`,
      name,
      hypothesis: 'Waiting holds.',
      yaml: yamlOf(name, schedule),
      createdBy: 'u',
      createdByName: 'bench',
      labels: {},
      createdAt: now,
    })
  }
  return { store, dir }
}

function schedulerOn(store: Store, onLaunch: (dueAt: string) => void) {
  const byId = new Map<string, ExperimentRef>()
  return createScheduler({
    clock: systemClock,
    sql: store.sql,
    log: () => undefined,
    async experiments() {
      const refs: ExperimentRef[] = []
      for (const summary of await store.listExperiments()) {
        const e = (await store.getExperiment(summary.id))!
        const ref = { id: e.id, name: e.name, yaml: e.yaml }
        byId.set(e.id, ref)
        refs.push(ref)
      }
      return refs
    },
    experiment: async (id) => byId.get(id),
    async launch(_experiment, _def, dueAt) {
      onLaunch(dueAt)
      return 'recorded'
    },
    async replace() {},
  })
}

const quantile = (sorted: number[], q: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!

async function idle(store: Store, seconds: number) {
  global.gc?.()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const rssBefore = process.memoryUsage().rss
  await new Promise((r) => setTimeout(r, seconds * 1000))
  const cpu = process.cpuUsage(cpu0)
  const wall = (performance.now() - t0) * 1000
  void store
  return {
    cpuPercent: ((cpu.user + cpu.system) / wall) * 100,
    rssMiB: Math.max(rssBefore, process.memoryUsage().rss) / 2 ** 20,
  }
}

async function main(): Promise<void> {
  console.log(`machine: ${machine()}; ${count} schedules`)

  if (idleSeconds > 0) {
    await idlePart()
  }
  await accuracyPart()
}

async function idlePart(): Promise<void> {
  // Baseline first: an empty scheduler on an empty store, idle.
  const empty = await storeWith(0, '')
  const none = schedulerOn(empty.store, () => undefined)
  await none.start()
  const base = await idle(empty.store, idleSeconds)
  await none.stop()
  await empty.store.close()
  rmSync(empty.dir, { recursive: true, force: true })
  console.log(
    `idle, empty scheduler: CPU ${base.cpuPercent.toFixed(2)}%, RSS ${base.rssMiB.toFixed(0)} MiB`
  )

  // Idle with 10,000 daily schedules armed.
  const daily = await storeWith(count, "{ name: nightly, cron: '0 3 * * *', jitter: 30m }")
  const quiet = schedulerOn(daily.store, () => undefined)
  let t = performance.now()
  await quiet.start()
  const startMs = performance.now() - t
  const loaded = await idle(daily.store, idleSeconds)
  t = performance.now()
  const listed = await quiet.list()
  const listMs = performance.now() - t
  await quiet.stop()
  await daily.store.close()
  rmSync(daily.dir, { recursive: true, force: true })
  console.log(
    `idle, ${quiet.size} schedules: CPU ${loaded.cpuPercent.toFixed(2)}%, RSS ${loaded.rssMiB.toFixed(0)} MiB; start ${startMs.toFixed(0)} ms; GET-list of ${listed.length} ${listMs.toFixed(0)} ms`
  )
}

async function accuracyPart(): Promise<void> {
  // Accuracy: ticks every 30 s with up to `jitter` of jitter.
  let t = performance.now()
  const busy = await storeWith(
    count,
    `{ name: often, cron: '*/30 * * * * *'${jitter === '0s' ? '' : `, jitter: ${jitter}`} }`
  )
  const fromDue: number[] = []
  const late: number[] = []
  // Ticks due while start() was loading 10,000 manifests are its catch-up, not the timer's:
  // measured from the first due time after start.
  let measuredFrom = Infinity
  const scheduler = schedulerOn(busy.store, (dueAt) => {
    if (Date.parse(dueAt) >= measuredFrom) {
      fromDue.push(Date.now() - Date.parse(dueAt))
    }
  })
  t = performance.now()
  await scheduler.start()
  const busyStartMs = performance.now() - t
  measuredFrom = Date.now()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await new Promise((r) => setTimeout(r, accuracySeconds * 1000))
  const cpu = process.cpuUsage(cpu0)
  const wall = (performance.now() - t0) * 1000
  await scheduler.stop()
  // Lateness against each tick's own fire time, from the rows the scheduler wrote.
  const rows = await busy.store.sql.query<{ due_at: string; fire_at: string; fired_at: string }>(
    "SELECT due_at, fire_at, fired_at FROM schedule_ticks WHERE outcome = 'ran'"
  )
  for (const row of rows) {
    if (Date.parse(row.due_at) >= measuredFrom) {
      late.push(Date.parse(row.fired_at) - Date.parse(row.fire_at))
    }
  }
  const skipped = await busy.store.sql.query<{ n: number }>(
    "SELECT COUNT(*) AS n FROM schedule_ticks WHERE outcome <> 'ran'"
  )
  await busy.store.close()
  rmSync(busy.dir, { recursive: true, force: true })
  fromDue.sort((a, b) => a - b)
  late.sort((a, b) => a - b)
  console.log(
    `accuracy: start ${busyStartMs.toFixed(0)} ms, then ${fromDue.length} ticks launched in ${accuracySeconds} s (${Number(skipped[0]?.n ?? 0)} recorded not run); CPU ${(((cpu.user + cpu.system) / wall) * 100).toFixed(1)}% while ticking`
  )
  console.log(
    `fire − due (jitter < ${jitter} included): p50 ${quantile(fromDue, 0.5)} ms, p99 ${quantile(fromDue, 0.99)} ms, max ${fromDue.at(-1)} ms`
  )
  console.log(
    `fire − (due + jitter), the lateness: p50 ${quantile(late, 0.5)} ms, p99 ${quantile(late, 0.99)} ms, max ${late.at(-1)} ms`
  )
}

await main()
