import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { runLoad } from '../../../src/load/generator.js'
import type { HistoryOp } from '../../../src/load/contract.js'
import { spec, startTestServer } from './helpers.js'
import type { TestServer } from './helpers.js'

describe('maxInFlight', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
  })
  after(async () => {
    await server.stop()
  })

  test('a slow server fills the slots: due requests are dropped, never queued', async (t) => {
    // 100 req/s for 3 s = 300 due; 5 slots held 500 ms each let about 5 / 0.5 s = 10 req/s
    // through, so about 30 are sent and the rest dropped.
    const ops: HistoryOp[] = []
    const started = Date.now()
    const summary = await runLoad(
      spec(`${server.base}/slow?ms=500`, { rate: 100, durationMs: 3000, maxInFlight: 5 }),
      { onOp: (op) => ops.push(op) }
    )
    const elapsed = Date.now() - started
    const detail = `sent ${summary.requests}, dropped ${summary.dropped}, per second ${summary.timeline.map((s) => `${s.sent}/${s.dropped}`).join(' ')}, took ${elapsed} ms`
    t.diagnostic(detail)
    assert.equal(summary.requests + summary.dropped, 300, detail)
    assert.ok(summary.dropped > 0, detail)
    assert.ok(
      summary.requests >= 25 && summary.requests <= 35,
      `sent ≈ 30 (what 5 slots allow): ${detail}`
    )
    assert.equal(summary.ok, summary.requests, detail)
    assert.equal(
      (await server.stats()).count,
      summary.requests,
      'dropped requests never reach the server'
    )
    // Never sent later: the run ends about one response after the schedule does.
    assert.ok(elapsed < 3000 + 500 + 1500, detail)
    const invokes = ops.filter((op) => op.type === 'invoke')
    assert.equal(invokes.length, summary.requests, 'dropped requests are not in the history')
    assert.ok(
      summary.latency.response.max < 1000,
      `no request waited for a slot: ${summary.latency.response.max} ms`
    )
    assert.ok(
      summary.warnings.some((w) => /requests dropped: 5 were already in flight/.test(w)),
      summary.warnings.join('\n')
    )
    // At most 5 outstanding at any time.
    let open = 0
    let most = 0
    for (const op of ops) {
      open += op.type === 'invoke' ? 1 : -1
      most = Math.max(most, open)
    }
    assert.equal(most, 5)
  })
})
