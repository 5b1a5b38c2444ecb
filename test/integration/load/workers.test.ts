import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { runLoad } from '../../../src/load/generator.js'
import type { HistoryOp } from '../../../src/load/contract.js'
import { availableParallelism } from 'node:os'
import { SINGLE_THREAD_RATE, planThreads } from '../../../src/load/workers.js'
import { spec, startTestServer } from './helpers.js'
import type { TestServer } from './helpers.js'

describe('worker threads', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
  })
  after(async () => {
    await server.stop()
  })

  test('2 workers split the schedule; ops reach onOp invoke-first; histograms merge', async () => {
    const ops: HistoryOp[] = []
    const summary = await runLoad(
      spec(`${server.base}/orders`, {
        method: 'POST',
        body: '{"ref":"{{uuid}}","seq":{{seq}}}',
        id: '{{uuid}}',
        capture: '$.id',
        rate: 400,
        durationMs: 2000,
        maxInFlight: 100,
        workers: 2,
      }),
      { onOp: (op) => ops.push(op) }
    )
    const detail = `sent ${summary.requests}, per second ${summary.timeline.map((s) => s.sent).join(' ')}`
    assert.equal(summary.requests, 800, detail)
    assert.equal(summary.ok, 800, detail)
    assert.equal((await server.stats()).count, 800)
    const invoked = new Map<number, HistoryOp>()
    for (const op of ops) {
      if (op.type === 'invoke') {
        invoked.set(op.seq, op)
      } else {
        const invoke = invoked.get(op.seq)
        assert.ok(invoke, `seq ${op.seq} completed before its invoke reached onOp`)
        assert.equal(op.value, `order-${op.seq}`)
        assert.equal(op.process, invoke.process)
      }
    }
    assert.deepEqual(
      [...invoked.keys()].sort((a, b) => a - b),
      Array.from({ length: 800 }, (_, i) => i),
      'every request of the schedule, each once'
    )
    // Process ids: thread 0 has slots 0-49, thread 1 slots 50-99.
    const processes = new Set([...invoked.values()].map((op) => op.process))
    assert.ok(
      [...processes].every((p) => p >= 0 && p < 100),
      [...processes].join(' ')
    )
    assert.ok(
      [...processes].some((p) => p >= 50),
      'the second thread sent too'
    )
    const completions = summary.timeline.reduce((n, s) => n + s.ok, 0)
    assert.equal(completions, 800, 'per-second reports from both threads were merged')
    assert.ok(summary.latency.response.max > 0 && summary.latency.service.max > 0)
  })

  test("'auto' stays on the main thread below the single-thread rate", () => {
    assert.equal(planThreads('auto', 2000, 1000), 1)
    assert.equal(planThreads('auto', SINGLE_THREAD_RATE, 1000), 1)
    assert.equal(
      planThreads('auto', 2.5 * SINGLE_THREAD_RATE, 1000),
      Math.min(availableParallelism(), 3)
    )
    assert.equal(planThreads(4, 10, 1000), 4, 'a number is taken as it is')
    assert.equal(planThreads(3, 10, 2), 2, 'never more threads than in-flight slots')
  })
})
