import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { openStore } from '../store/open.js'
import type { EventQuery, Store } from '../store/contract.js'
import type { JournalEvent, StreamMessage } from '../../shared/api.js'
import { createRunBus } from './run-bus.js'
import { createRecorder, MAX_AHEAD, type RecorderDeps } from './recorder.js'
import { createServerMetrics } from '../metrics/metrics.js'
import { journalOf, passingRun } from '../../../test/support/journal-fixtures.js'

let dir: string
let store: Store
let n = 0

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ordeal-recorder-'))
  store = await openStore({ dataDir: dir })
  await store.createUser({
    id: 'u1',
    name: 'owner',
    role: 'owner',
    createdAt: new Date().toISOString(),
  })
})

after(async () => {
  await store.close()
  await rm(dir, { recursive: true, force: true })
})

/**
 * The real store, with `appendEvents` failing `fails` times and every `listEvents` query
 * recorded (methods bound to the store: it keeps its state in private fields).
 */
function instrumented(fails = 0) {
  const queries: (EventQuery | undefined)[] = []
  const wrapped = new Proxy(store, {
    get(target, prop) {
      if (prop === 'appendEvents' && fails > 0) {
        return async () => {
          fails--
          throw new Error('disk full')
        }
      }
      if (prop === 'listEvents') {
        return (runId: string, query?: EventQuery) => {
          queries.push(query)
          return target.listEvents(runId, query)
        }
      }
      const value: unknown = Reflect.get(target, prop, target)
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value
    },
  })
  return { store: wrapped, queries }
}

const statusOf = (error: unknown) => (error as { status?: number }).status

/** A fresh experiment and running run, with a recorder wired to a bus and metrics. */
async function setup(
  recorderStore: Store = store,
  options: Pick<RecorderDeps, 'maxHeld' | 'idleMs' | 'now'> = {}
) {
  n++
  const name = `exp-${n}`
  const now = new Date().toISOString()
  const experiment = await store.createExperiment({
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
    experimentId: experiment.id,
    experimentVersion: 1,
    source: 'cli',
    startedBy: 'u1',
    startedByName: 'u1',
    startedAt: now,
  })
  const bus = createRunBus()
  const metrics = createServerMetrics()
  const logs: string[] = []
  const recorder = createRecorder({
    store: recorderStore,
    bus,
    metrics,
    log: (l) => logs.push(l),
    ...options,
  })
  const messages: StreamMessage[] = []
  bus.subscribe(runId, (m) => messages.push(m))
  return { name, runId, recorder, metrics, messages, logs }
}

test('events are stored in batches, published once stored, and the run ends with its derived result', async () => {
  const { name, runId, recorder, messages } = await setup()
  const events = journalOf(passingRun(runId, name))
  // One event per call, as the agent appends: they must still be written together.
  const acks = events.map((e) => recorder.append(runId, [e]))
  assert.equal(await store.countEvents(runId), 0, 'nothing written synchronously')
  assert.equal(messages.length, 0, 'nothing published before it is stored')
  await Promise.all(acks)
  assert.equal(await store.countEvents(runId), events.length)
  const journal = messages.filter((m) => m.event === 'journal')
  assert.equal(journal.length, 1, 'one batch, one journal message')
  assert.deepEqual(
    journal.flatMap((m) => (m.event === 'journal' ? m.data.map((e) => e.seq) : [])),
    events.map((e) => e.seq)
  )

  const summary = await recorder.finish(runId)
  assert.equal(summary.status, 'finished')
  assert.equal(summary.verdict, 'pass')
  assert.equal(summary.score, 100)
  const run = await store.getRun(runId)
  assert.equal(run?.result?.verdict, 'pass')
  assert.equal(messages.at(-1)?.event, 'status')
})

test('a retried batch is not stored or published twice', async () => {
  const { name, runId, recorder, messages } = await setup()
  const events = journalOf(passingRun(runId, name))
  const first = events.slice(0, 4)
  await recorder.append(runId, first)
  await recorder.append(runId, first)
  await recorder.append(runId, events.slice(2))
  assert.equal(await store.countEvents(runId), events.length)
  const published = messages.flatMap((m) => (m.event === 'journal' ? m.data : []))
  assert.deepEqual(
    published.map((e) => e.seq),
    events.map((e) => e.seq)
  )
})

test('op events are stored, kept off the bus and counted in throttled ops messages', async () => {
  const { name, runId, recorder, messages } = await setup()
  const events = journalOf(passingRun(runId, name, 3000))
  const t0 = Date.now()
  for (let i = 0; i < events.length; i += 100) {
    await recorder.append(runId, events.slice(i, i + 100))
  }
  await recorder.finish(runId)
  const seconds = (Date.now() - t0) / 1000
  assert.equal(await store.countEvents(runId), events.length)
  const published = messages.flatMap((m) => (m.event === 'journal' ? m.data : []))
  assert.ok(published.every((e) => e.type !== 'op'))
  assert.equal(published.length, events.length - 3000)
  const ops = messages.filter((m) => m.event === 'ops')
  const last = ops.at(-1)
  assert.equal(last?.event === 'ops' ? last.data.count : undefined, 3000)
  // At most four a second (one per 250 ms), plus the final count at the end.
  assert.ok(ops.length <= Math.ceil(seconds * 4) + 2, `${ops.length} ops messages in ${seconds}s`)
})

test('sustains 5,000 events/s into SQLite with a live viewer', async () => {
  const { name, runId, recorder, messages } = await setup()
  const total = 20_000
  const events = journalOf(passingRun(runId, name, total))
  const t0 = performance.now()
  const acks: Promise<void>[] = []
  for (const event of events) {
    acks.push(recorder.append(runId, [event]))
  }
  await Promise.all(acks)
  const seconds = (performance.now() - t0) / 1000
  const rate = events.length / seconds
  console.log(
    `recorder: ${events.length} events in ${seconds.toFixed(2)} s = ${Math.round(rate)}/s`
  )
  assert.ok(rate > 5000, `${Math.round(rate)} events/s`)
  assert.equal(await store.countEvents(runId), events.length)
  assert.ok(messages.some((m) => m.event === 'ops'))
  await recorder.finish(runId)
})

test('finish on a run with no run.started ends it as an error, and is idempotent', async () => {
  const { runId, recorder } = await setup()
  const first = await recorder.finish(runId)
  assert.equal(first.verdict, 'error')
  assert.equal(first.status, 'finished')
  const again = await recorder.finish(runId)
  assert.deepEqual(again, first)
})

test('a batch sent again while its first copy is still buffered is acknowledged once stored', async () => {
  const { name, runId, recorder } = await setup()
  const events = journalOf(passingRun(runId, name)).slice(0, 4)
  const first = recorder.append(runId, events)
  const again = recorder.append(runId, events)
  await again
  assert.equal(await store.countEvents(runId), events.length, 'stored when acknowledged')
  await first
})

test('a retried batch whose first copy failed to store is refused (503), not acknowledged', async () => {
  const { store: failing } = instrumented(1)
  const { name, runId, recorder, logs } = await setup(failing)
  const events = journalOf(passingRun(runId, name)).slice(0, 4)
  const [first, again] = await Promise.allSettled([
    recorder.append(runId, events),
    recorder.append(runId, events),
  ])
  assert.equal(first.status, 'rejected')
  assert.equal(again.status, 'rejected', 'the duplicate must not be acknowledged')
  assert.equal(statusOf(first.status === 'rejected' ? first.reason : undefined), 503)
  assert.equal(statusOf(again.status === 'rejected' ? again.reason : undefined), 503)
  assert.equal(await store.countEvents(runId), 0)
  assert.ok(logs.some((l) => /disk full/.test(l)))
  // The client's retry after the 503 is stored.
  await recorder.append(runId, events)
  assert.equal(await store.countEvents(runId), events.length)
  // Everything up to seq 3 is stored now: the same batch again is acknowledged at once.
  await recorder.append(runId, events)
})

test('an interrupted recording ends as interrupted; later events are refused (409), not stored', async () => {
  const { name, runId, recorder, metrics, messages } = await setup()
  const events = journalOf(passingRun(runId, name))
  await recorder.append(runId, events.slice(0, 3))
  // Accepted before the abort: stored by it. Sent during it: refused.
  const accepted = recorder.append(runId, events.slice(3, 4))
  const ending = recorder.interrupt(runId, 'aborted by owner')
  await assert.rejects(recorder.append(runId, events.slice(4, 5)), (e) => statusOf(e) === 409)
  await accepted
  const summary = await ending
  assert.equal(summary.status, 'interrupted')
  assert.equal(summary.verdict, 'interrupted')
  assert.equal(summary.reason, 'aborted by owner')
  const run = await store.getRun(runId)
  assert.equal(run?.status, 'interrupted')
  assert.equal(run?.result?.verdict, 'interrupted')
  assert.equal(await store.countEvents(runId), 4)
  const last = messages.at(-1)
  assert.equal(last?.event === 'status' ? last.data.status : undefined, 'interrupted')
  const text = await metrics.render()
  assert.match(text, /^ordeal_runs_running 0$/m)
  assert.match(
    text,
    new RegExp(`^ordeal_runs_total\\{experiment="${name}",verdict="interrupted"\\} 1$`, 'm')
  )

  // The state was freed: a late batch (or a retry) must not bring it back and be stored.
  await assert.rejects(recorder.append(runId, events.slice(4)), (e) => statusOf(e) === 409)
  await assert.rejects(recorder.append(runId, events.slice(0, 2)), (e) => statusOf(e) === 409)
  assert.equal(await store.countEvents(runId), 4)
  // Finishing afterwards does not change the end.
  assert.deepEqual(await recorder.finish(runId), summary)
})

test('finish derives the result without reading the op events back', async () => {
  const { store: watched, queries } = instrumented()
  const { name, runId, recorder } = await setup(watched)
  const events = journalOf(passingRun(runId, name, 500))
  await recorder.append(runId, events)
  const summary = await recorder.finish(runId)
  assert.equal(summary.verdict, 'pass')
  assert.equal(summary.score, 100)
  assert.ok(queries.length > 0)
  assert.ok(queries.every((q) => q?.excludeTypes?.includes('op')))
})

test("an agent run's failed write is retried by the recorder: viewers get every event, in order", async () => {
  const { store: failing } = instrumented(1)
  const { name, runId, recorder, messages, logs } = await setup(failing)
  recorder.track(runId, name)
  const events = journalOf(passingRun(runId, name))
  // The agent appends one event at a time and never resends.
  const first = recorder.append(runId, events.slice(0, 3))
  await assert.rejects(first, (e) => statusOf(e) === 503)
  await recorder.append(runId, events.slice(3))
  assert.equal(await store.countEvents(runId), events.length)
  assert.ok(logs.some((l) => /disk full/.test(l)))
  const published = messages.flatMap((m) => (m.event === 'journal' ? m.data : []))
  assert.deepEqual(
    published.map((e) => e.seq),
    events.map((e) => e.seq)
  )
  await recorder.finish(runId)
})

test('events past a gap wait for it; at the end they are released as they are', async () => {
  const { name, runId, recorder, messages } = await setup()
  const events = journalOf(passingRun(runId, name))
  await recorder.append(runId, events.slice(2))
  assert.equal(await store.countEvents(runId), events.length - 2, 'stored when acknowledged')
  assert.equal(recorder.releasedSeq(runId), -1)
  assert.equal(messages.length, 0, 'nothing published past the gap')
  await recorder.append(runId, events.slice(1, 2))
  assert.equal(messages.length, 0)
  await recorder.finish(runId)
  assert.equal(recorder.releasedSeq(runId), Number.POSITIVE_INFINITY)
  const published = messages.flatMap((m) => (m.event === 'journal' ? m.data : []))
  assert.deepEqual(
    published.map((e) => e.seq),
    events.slice(1).map((e) => e.seq)
  )
})

test('a batch too far past the first missing seq is refused whole (503), storing nothing', async () => {
  const { runId, recorder } = await setup()
  const far = { seq: MAX_AHEAD, t: 0, type: 'note' } as unknown as JournalEvent
  const near = { seq: 1, t: 0, type: 'note' } as unknown as JournalEvent
  await assert.rejects(recorder.append(runId, [near, far]), (e) => {
    assert.equal(statusOf(e), 503)
    assert.match(String((e as Error).message), /seq 0, which is missing/)
    return true
  })
  assert.equal(await store.countEvents(runId), 0)
  await recorder.append(runId, [near])
  assert.equal(await store.countEvents(runId), 1)
})

/** A run created in the store besides the one `setup` made (same experiment). */
async function anotherRun(runId: string, like: string) {
  const run = await store.getRunSummary(like)
  await store.createRun({
    id: runId,
    experimentId: run!.experimentId,
    experimentVersion: 1,
    source: 'cli',
    startedBy: 'u1',
    startedByName: 'u1',
    startedAt: new Date().toISOString(),
  })
}

const notes = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => ({
    seq: from + i,
    t: 0,
    type: 'note',
  })) as unknown as JournalEvent[]

test('events held past gaps are capped over all runs (503 + Retry-After); in-order batches flow', async () => {
  const { runId, recorder } = await setup(store, { maxHeld: 100 })
  const other = `${runId}-b`
  await anotherRun(other, runId)
  // 60 past a gap in each run: the second run's batch would take the total past 100.
  await recorder.append(runId, notes(10, 70))
  const refused = await recorder.append(other, notes(10, 70)).catch((e: unknown) => e)
  assert.equal(statusOf(refused), 503)
  assert.equal((refused as { retryAfterSeconds?: number }).retryAfterSeconds, 2)
  assert.match(String((refused as Error).message), /missing events from seq 0 first/)
  assert.equal(await store.countEvents(other), 0)
  // In order, the other run still gets through, and so does the batch that fills the gap.
  await recorder.append(other, notes(0, 80))
  await recorder.append(runId, notes(0, 10))
  assert.equal(recorder.releasedSeq(runId), 69)
  // The gap filled frees the room: the refused batch now goes.
  await recorder.append(other, notes(90, 120))
  assert.equal(await store.countEvents(other), 110)
})

test('the same seq with other content is refused (409), whether buffered, held or stored', async () => {
  const { name, runId, recorder } = await setup()
  const events = journalOf(passingRun(runId, name))
  await recorder.append(runId, events.slice(0, 3))
  const forged = (e: JournalEvent) => ({ ...e, t: e.t + 1 }) as JournalEvent
  // Stored and released: read back from the store.
  const stored = await recorder.append(runId, [forged(events[1]!)]).catch((e: unknown) => e)
  assert.equal(statusOf(stored), 409)
  assert.match(String((stored as Error).message), /seq 1 was already sent with different content/)
  // Held past a gap (seq 3 missing).
  await recorder.append(runId, events.slice(4, 6))
  assert.equal(statusOf(await recorder.append(runId, [forged(events[5]!)]).catch((e) => e)), 409)
  // Twice in one batch.
  assert.equal(
    statusOf(await recorder.append(runId, [events[3]!, forged(events[3]!)]).catch((e) => e)),
    409
  )
  // Sent again identically (keys in another order): acknowledged, stored once.
  const reordered = Object.fromEntries(Object.entries(events[1]!).reverse()) as JournalEvent
  await recorder.append(runId, [reordered, events[3]!, events[5]!])
  assert.equal(await store.countEvents(runId), 6)
  const [kept] = await store.listEvents(runId, { after: 0, limit: 1 })
  assert.deepEqual(kept, events[1])
})

test('a recorded run idle for the timeout is interrupted and its state freed; an active one is not', async () => {
  let clock = 1_000_000
  const { name, runId, recorder, messages } = await setup(store, {
    idleMs: 60_000,
    now: () => clock,
  })
  const active = `${runId}-active`
  await anotherRun(active, runId)
  const registered = `${runId}-silent`
  await anotherRun(registered, runId)
  const events = journalOf(passingRun(runId, name))
  await recorder.append(runId, events.slice(0, 2))
  // Registered, never sent anything: watched from registration.
  recorder.watch(registered, name)
  clock += 30_000
  await recorder.append(active, journalOf(passingRun(active, name)).slice(0, 1))
  assert.deepEqual(await recorder.sweepIdle(), [])
  clock += 30_000
  assert.deepEqual((await recorder.sweepIdle()).sort(), [registered, runId].sort())
  for (const id of [runId, registered]) {
    const run = await store.getRunSummary(id)
    assert.equal(run?.status, 'interrupted')
    assert.match(run?.reason ?? '', /no events for 60 s/)
  }
  assert.equal((await store.getRunSummary(active))?.status, 'running')
  assert.equal(messages.at(-1)?.event, 'status')
  // Its state is gone: a late batch is refused, not stored.
  assert.equal(statusOf(await recorder.append(runId, events.slice(2)).catch((e) => e)), 409)
  assert.equal(recorder.releasedSeq(runId), Number.POSITIVE_INFINITY)
  await recorder.flushAll()
})
