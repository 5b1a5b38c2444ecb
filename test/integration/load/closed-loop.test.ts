/** Closed loop (`concurrency`): N connections, each sending again as soon as it is answered. */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { runLoad } from '../../../src/load/generator.js'
import { now } from '../../../src/load/clock.js'
import { prepareLoad } from '../../../src/load/prepare.js'
import { sliceConfigs, startWorker } from '../../../src/load/workers.js'
import type { HistoryOp, LoadSpec } from '../../../src/load/contract.js'
import { spec, startTestServer } from './helpers.js'
import type { TestServer } from './helpers.js'

function closed(url: string, overrides: Partial<LoadSpec>): LoadSpec {
  const { rate: _rate, ...open } = spec(url, overrides)
  return { ...open, concurrency: overrides.concurrency ?? 4 }
}

/** The most requests outstanding at once, from the history. */
function peakOutstanding(ops: HistoryOp[]): number {
  let open = 0
  let peak = 0
  for (const op of ops) {
    open += op.type === 'invoke' ? 1 : -1
    peak = Math.max(peak, open)
  }
  return peak
}

describe('closed loop', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
  })
  after(async () => {
    await server.stop()
  })

  test('never more than N outstanding, each process one request at a time, every one counted', async () => {
    const ops: HistoryOp[] = []
    const before = (await server.stats()).count
    const summary = await runLoad(
      closed(`${server.base}/ok`, { concurrency: 3, durationMs: 400 }),
      {
        onOp: (op) => ops.push(op),
      }
    )
    assert.ok(summary.requests > 3, `sent ${summary.requests}`)
    assert.equal(summary.ok, summary.requests)
    assert.equal(summary.dropped, 0)
    assert.equal(summary.rate.target, 0, 'a closed loop has no target rate')
    assert.equal((await server.stats()).count - before, summary.requests)
    assert.equal(ops.length, summary.requests * 2)
    assert.equal(peakOutstanding(ops), 3)
    const busy = new Set<number>()
    for (const op of ops) {
      if (op.type === 'invoke') {
        assert.ok(!busy.has(op.process), `process ${op.process} sent while busy`)
        busy.add(op.process)
      } else {
        busy.delete(op.process)
      }
    }
    assert.deepEqual(
      new Set(ops.filter((op) => op.type === 'invoke').map((op) => op.seq)).size,
      summary.requests,
      'every request has its own seq'
    )
  })

  test('errors and timeouts free their connection for the next request', async () => {
    const ops: HistoryOp[] = []
    const summary = await runLoad(
      closed(`${server.base}/mixed/{{seq}}`, { concurrency: 2, durationMs: 700, timeoutMs: 200 }),
      { onOp: (op) => ops.push(op) }
    )
    // seq % 5: ok, 500, hang (timeout), reset, ok: a loop that waited forever would stop at 2.
    assert.ok(summary.requests >= 5, `sent ${summary.requests}`)
    assert.ok(summary.errors.timeout >= 1 && summary.errors.http >= 1)
    assert.equal(summary.ok + summary.failed, summary.requests)
    assert.equal(ops.filter((op) => op.type !== 'invoke').length, summary.requests)
  })

  test('split across worker threads: N in total, distinct seqs, ops from every thread', async () => {
    const ops: HistoryOp[] = []
    const summary = await runLoad(
      closed(`${server.base}/ok`, { concurrency: 4, durationMs: 500, workers: 2 }),
      { onOp: (op) => ops.push(op) }
    )
    const invokes = ops.filter((op) => op.type === 'invoke')
    assert.equal(invokes.length, summary.requests)
    assert.equal(new Set(invokes.map((op) => op.seq)).size, invokes.length)
    assert.ok(invokes.some((op) => op.seq % 2 === 0) && invokes.some((op) => op.seq % 2 === 1))
    assert.ok(peakOutstanding(ops) <= 4)
  })

  test('without onOp nothing is built or shipped, and the summary is the same kind', async () => {
    const summary = await runLoad(
      closed(`${server.base}/ok`, { concurrency: 2, durationMs: 300, workers: 2 })
    )
    assert.ok(summary.requests > 0)
    assert.equal(summary.ok, summary.requests)
  })

  // The worker's own port, counted: a worker told not to ship ops posts no `ops` message at all
  // (its sink has no `op`, so the runner's `op?.(…)` never even builds one), the same run with
  // shipping does. Both send and report their seconds.
  for (const shipOps of [false, true]) {
    test(`a worker with shipOps ${shipOps} posts ${shipOps ? 'op batches' : 'no op batch'}`, async () => {
      const load = prepareLoad(closed(`${server.base}/ok`, { concurrency: 2, durationMs: 300 }))
      let batches = 0
      let ops = 0
      let seconds = 0
      const [config] = sliceConfigs(load, 1)
      const worker = await startWorker(config!, shipOps, {
        ops: (batch) => {
          batches++
          ops += batch.strings.length
        },
        seconds: (reports) => (seconds += reports.length),
      })
      worker.start(now() + 20)
      const result = await worker.done
      assert.equal(result.stopped, false)
      assert.ok(seconds > 0, 'the worker reported its seconds')
      if (shipOps) {
        assert.ok(batches > 0 && ops > 0, `${batches} batches, ${ops} ops`)
      } else {
        assert.equal(batches, 0, 'no ops message was posted')
        assert.equal(ops, 0)
      }
    })
  }
})
