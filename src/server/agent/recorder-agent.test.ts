/**
 * The recorder's part for runs on remote agents (issue 14 §5): watched, never swept as idle,
 * failed writes left to the agent's resend, a resumed run's window starting where the store's
 * seqs stop being contiguous, and the late report of a run whose lease lapsed.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { openStore } from '../store/open.js'
import type { Store } from '../store/contract.js'
import type { StreamMessage } from '../../shared/api.js'
import { createRunBus } from './run-bus.js'
import { createRecorder, LATE_SUFFIX } from './recorder.js'
import { createServerMetrics } from '../metrics/metrics.js'
import { journalOf, passingRun } from '../../../test/support/journal-fixtures.js'

let dir: string
let store: Store
let n = 0

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ordeal-recorder-agent-'))
  store = await openStore({ dataDir: dir })
})

after(async () => {
  await store.close()
  await rm(dir, { recursive: true, force: true })
})

const statusOf = (error: unknown) => (error as { status?: number }).status

/** A fresh experiment and an agent run (accepted: running) with a recorder on the store. */
async function setup(options: { store?: Store; now?: () => number } = {}) {
  n++
  const name = `exp-${n}`
  const now = new Date().toISOString()
  await store.createExperiment({
    id: `e${n}`,
    name,
    hypothesis: 'h',
    yaml: 'x',
    createdBy: 'u1',
    createdByName: 'u1',
    labels: {},
    createdAt: now,
  })
  const runId = `run-${n}`
  await store.createRun({
    id: runId,
    experimentId: `e${n}`,
    experimentVersion: 1,
    source: 'agent',
    status: 'queued',
    placement: { agent: 'edge-1' },
    leaseMs: 30_000,
    startedBy: 'u1',
    startedByName: 'u1',
    startedAt: now,
  })
  await store.markRunning(runId, 'edge-1', now)
  const bus = createRunBus()
  const logs: string[] = []
  const recorder = createRecorder({
    store: options.store ?? store,
    bus,
    metrics: createServerMetrics(),
    log: (l) => logs.push(l),
    idleMs: 60_000,
    ...(options.now ? { now: options.now } : {}),
  })
  const messages: StreamMessage[] = []
  bus.subscribe(runId, (m) => messages.push(m))
  const published = () => messages.flatMap((m) => (m.event === 'journal' ? m.data : []))
  return { name, runId, recorder, messages, published, logs }
}

test('an agent run is never swept as idle; its events are stored and published in order; its bundle goes at the end', async () => {
  let clock = 1_000_000
  const { name, runId, recorder, published } = await setup({ now: () => clock })
  recorder.watchAgentRun(runId, name)
  await store.putBundle(runId, { vars: { A: 'b' } })
  const events = journalOf(passingRun(runId, name))
  await recorder.append(runId, events.slice(0, 3))
  clock += 10 * 60_000
  assert.deepEqual(await recorder.sweepIdle(), [], 'the lease decides, not the idle timeout')
  await recorder.append(runId, events.slice(3))
  assert.deepEqual(
    published().map((e) => e.seq),
    events.map((e) => e.seq)
  )
  const summary = await recorder.finish(runId)
  assert.equal(summary.status, 'finished')
  assert.equal(summary.verdict, 'pass')
  assert.equal(await store.getBundle(runId), undefined, 'its bundle goes when it ends')
  await recorder.flushAll()
})

test("an agent run's failed write is not retried by the server: the agent resends", async () => {
  let fails = 1
  const failing = new Proxy(store, {
    get(target, prop) {
      if (prop === 'appendEvents' && fails > 0) {
        return async () => {
          fails--
          throw new Error('disk full')
        }
      }
      const value: unknown = Reflect.get(target, prop, target)
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value
    },
  })
  const { name, runId, recorder, published } = await setup({ store: failing })
  recorder.watchAgentRun(runId, name)
  const events = journalOf(passingRun(runId, name))
  const first = recorder.append(runId, events.slice(0, 3))
  await assert.rejects(first, (e) => statusOf(e) === 503, 'nacked 503: the agent resends')
  await recorder.flushAll()
  assert.equal(await store.countEvents(runId), 0, 'not kept for a retry of its own')
  await recorder.append(runId, events.slice(0, 3))
  await recorder.append(runId, events.slice(3))
  assert.equal(await store.countEvents(runId), events.length)
  assert.deepEqual(
    published().map((e) => e.seq),
    events.map((e) => e.seq)
  )
  await recorder.finish(runId)
})

test("a resumed agent run picks up where the store's seqs stop being contiguous", async () => {
  const { name, runId, recorder, published } = await setup()
  const events = journalOf(passingRun(runId, name))
  // Stored by the previous server process, up to seq 3.
  await store.appendEvents(runId, events.slice(0, 4))
  recorder.watchAgentRun(runId, name)
  // The agent resends from contiguousSeq + 1.
  await recorder.append(runId, events.slice(4))
  assert.deepEqual(
    published().map((e) => e.seq),
    events.slice(4).map((e) => e.seq),
    'released at once, not held behind seqs that will never come again'
  )
  assert.equal(recorder.releasedSeq(runId), events.at(-1)!.seq)
  // An older resend (the agent's ack was lost) is acknowledged, not stored twice.
  await recorder.append(runId, events.slice(2, 5))
  assert.equal(await store.countEvents(runId), events.length)
  await recorder.finish(runId)
})

test('a late report is stored, published and re-derived; the run stays interrupted', async () => {
  const { name, runId, recorder, messages, published } = await setup()
  recorder.watchAgentRun(runId, name)
  const events = journalOf(passingRun(runId, name))
  await recorder.append(runId, events.slice(0, 2))
  const lapsed = 'agent edge-1 was lost for 30 s (lease): it rolls its faults back by itself'
  const interrupted = await recorder.interrupt(runId, lapsed)
  assert.equal(interrupted.status, 'interrupted')
  await store.markLateReport(runId)
  // Its live state is gone: ordinary appends are refused, late ones go through appendLate.
  assert.equal(statusOf(await recorder.append(runId, events.slice(2)).catch((e) => e)), 409)

  await recorder.appendLate(runId, events.slice(1))
  await recorder.appendLate(runId, events.slice(1)) // resent: idempotent
  assert.equal(await store.countEvents(runId), events.length)
  assert.deepEqual(
    published().map((e) => e.seq),
    [...events.slice(0, 2), ...events.slice(1), ...events.slice(1)].map((e) => e.seq),
    'published as it comes (the stream of an ended run is closed; late viewers read the store)'
  )
  const summary = await recorder.finishLate(runId)
  assert.equal(summary.status, 'interrupted')
  // The verdict stays `interrupted` (review #17): status, verdict and the exit code that
  // `ordeal run --agent` gave at the lapse agree; the reason carries the late report.
  assert.equal(summary.verdict, 'interrupted')
  assert.ok(summary.reason?.endsWith(LATE_SUFFIX), summary.reason)
  assert.equal((await store.getRun(runId))?.result?.reason, summary.reason)
  assert.equal((await store.getRun(runId))?.result?.verdict, 'interrupted')
  assert.equal(messages.at(-1)?.event, 'status')
  const statuses = messages.filter((m) => m.event === 'status').length

  assert.deepEqual(await recorder.finishLate(runId), summary, 'a second call answers the run')
  assert.equal(messages.filter((m) => m.event === 'status').length, statuses)
  assert.equal(await store.isLateReport(runId), false)
  assert.equal(
    statusOf(await recorder.appendLate(runId, events).catch((e) => e)),
    409,
    'reported: later events are refused'
  )
})

test('appendLate refuses a run that is not waiting for a late report', async () => {
  const { name, runId, recorder } = await setup()
  const events = journalOf(passingRun(runId, name))
  assert.equal(statusOf(await recorder.appendLate(runId, events).catch((e) => e)), 409)
  assert.equal(statusOf(await recorder.appendLate('nope', events).catch((e) => e)), 404)
  assert.equal(await store.countEvents(runId), 0)
})
