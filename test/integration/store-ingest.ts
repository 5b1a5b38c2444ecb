/**
 * The ingest property of the shared store suite: the recorder on a real store (SQLite or
 * PostgreSQL) is sent random batches of a journal (any order, duplicates, several at once,
 * some writes failing) and must end with stored = the events of the acknowledged calls,
 * exactly; live viewers get every stored event once, in seq order.
 * @module
 */
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { JournalEvent, StreamMessage } from '../../src/shared/api.js'
import type { Store } from '../../src/server/store/contract.js'
import { createRecorder } from '../../src/server/agent/recorder.js'
import { createRunBus } from '../../src/server/agent/run-bus.js'
import { createServerMetrics } from '../../src/server/metrics/metrics.js'

/** One call: the seqs it sends; `fail` makes the store refuse the write that carries it. */
interface Call {
  seqs: number[]
  fail: boolean
}

/** Waves of calls: the calls of a wave are sent at once, waves one after the other. */
const scenario = fc.integer({ min: 1, max: 40 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    waves: fc.array(
      fc.array(
        fc.record({
          seqs: fc.array(fc.integer({ min: 0, max: n - 1 }), { minLength: 1, maxLength: 12 }),
          fail: fc.integer({ min: 0, max: 9 }).map((x) => x < 2),
        }),
        { minLength: 1, maxLength: 4 }
      ),
      { minLength: 1, maxLength: 6 }
    ),
  })
)

/**
 * Runs the property against `store`, with each case on a new run of the experiment
 * `experimentId` (which must exist). `event(seq)` builds the journal's events.
 */
export async function ingestProperty(
  store: Store,
  experimentId: string,
  event: (seq: number) => JournalEvent
): Promise<void> {
  let cases = 0
  await fc.assert(
    fc.asyncProperty(scenario, async ({ waves }) => {
      const runId = `ingest-${++cases}`
      await store.createRun({
        id: runId,
        experimentId,
        experimentVersion: 1,
        source: 'cli',
        startedBy: 'u1',
        startedByName: 'u1',
        startedAt: new Date(Date.UTC(2025, 0, 1)).toISOString(),
      })
      // A write carrying a failing call's events is refused before it reaches the store.
      let failNext = false
      const flaky = new Proxy(store, {
        get(target, prop) {
          if (prop === 'appendEvents') {
            return async (id: string, events: readonly JournalEvent[]) => {
              if (failNext) {
                failNext = false
                throw new Error('injected write failure')
              }
              return target.appendEvents(id, events)
            }
          }
          const value: unknown = Reflect.get(target, prop, target)
          return typeof value === 'function' ? (value as () => unknown).bind(target) : value
        },
      })
      const bus = createRunBus()
      const published: StreamMessage[] = []
      bus.subscribe(runId, (m) => published.push(m))
      const recorder = createRecorder({
        store: flaky,
        bus,
        metrics: createServerMetrics(),
        log: () => undefined,
        flushMs: 0,
      })

      const acknowledged = new Set<number>()
      for (const wave of waves) {
        const calls = wave.map((call: Call) => {
          failNext ||= call.fail
          return recorder.append(runId, call.seqs.map(event)).then(
            () => call.seqs.forEach((seq) => acknowledged.add(seq)),
            (error: unknown) => assert.equal((error as { status?: number }).status, 503)
          )
        })
        await Promise.all(calls)
        // A wave whose events were all stored already wrote nothing: nothing left to fail.
        failNext = false
      }

      const stored = await store.listEvents(runId, { limit: 10_000 })
      assert.deepEqual(
        stored.map((e) => e.seq),
        [...acknowledged].sort((a, b) => a - b),
        'stored = acknowledged'
      )
      assert.deepEqual(
        stored,
        stored.map((e) => event(e.seq))
      )

      const summary = await recorder.finish(runId)
      assert.equal(summary.status, 'finished')
      assert.equal((await store.getRun(runId))?.eventCount, acknowledged.size)
      const seen = published.flatMap((m) => (m.event === 'journal' ? m.data : []))
      assert.deepEqual(
        seen.map((e) => e.seq),
        stored.filter((e) => e.type !== 'op').map((e) => e.seq),
        'viewers see every stored event once, in seq order'
      )
    }),
    { numRuns: 60 }
  )
}
