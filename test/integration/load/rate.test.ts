import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { runLoad } from '../../../src/load/generator.js'
import type { HistoryOp } from '../../../src/load/contract.js'
import { spec, startTestServer } from './helpers.js'
import type { TestServer } from './helpers.js'

describe('open-model rate against a real server in another process', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
  })
  after(async () => {
    await server.stop()
  })

  for (const rate of [50, 500, 2000]) {
    test(`${rate} req/s for 3 s sends rate × duration requests (within 1%)`, async (t) => {
      const before = (await server.stats()).count
      let invokes = 0
      let completions = 0
      const summary = await runLoad(spec(`${server.base}/ok`, { rate, durationMs: 3000 }), {
        onOp: (op: HistoryOp) => (op.type === 'invoke' ? invokes++ : completions++),
      })
      const expected = rate * 3
      const received = (await server.stats()).count - before
      const perSecond = summary.timeline.map((t) => t.sent).join(' ')
      const detail = `sent ${summary.requests} of ${expected}, server received ${received}, per second ${perSecond}, achieved ${summary.rate.achieved.toFixed(1)}/s, dropped ${summary.dropped}, warnings ${summary.warnings.join('; ')}`
      assert.ok(Math.abs(summary.requests - expected) <= expected * 0.01, detail)
      assert.equal(received, summary.requests, `the server saw every request: ${detail}`)
      assert.equal(summary.ok, summary.requests, detail)
      assert.equal(summary.dropped, 0, detail)
      assert.equal(summary.rate.target, rate)
      assert.ok(Math.abs(summary.rate.achieved - rate) <= rate * 0.02, detail)
      assert.equal(invokes, summary.requests)
      assert.equal(completions, summary.requests)
      const timelineSent = summary.timeline.reduce((n, t) => n + t.sent, 0)
      assert.equal(timelineSent, summary.requests, 'the timeline accounts for every request')
      assert.ok(summary.timeline.length >= 3 && summary.timeline.length <= 4, perSecond)
      assert.ok(summary.latency.response.p50 >= summary.latency.service.p50 * 0.99)
      t.diagnostic(`${rate} req/s: ${detail}`)
    })
  }
})
