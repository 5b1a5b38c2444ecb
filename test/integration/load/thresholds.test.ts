import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { runLoad } from '../../../src/load/generator.js'
import type { ThresholdResult } from '../../../src/load/contract.js'
import { spec, startTestServer } from './helpers.js'
import type { TestServer } from './helpers.js'

describe('thresholds during a run', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
  })
  after(async () => {
    await server.stop()
  })

  test('evaluated at the end: pass and fail', async () => {
    const summary = await runLoad(
      spec(`${server.base}/ok`, {
        rate: 50,
        durationMs: 1000,
        thresholds: [
          {
            metric: 'http_req_duration',
            expression: 'p(95)<1000',
            abortOnFail: false,
            delayAbortEvalMs: 0,
          },
          {
            metric: 'http_req_failed',
            expression: 'rate<0.01',
            abortOnFail: false,
            delayAbortEvalMs: 0,
          },
          {
            metric: 'dropped_iterations',
            expression: 'count==0',
            abortOnFail: false,
            delayAbortEvalMs: 0,
          },
          { metric: 'http_reqs', expression: 'count>100', abortOnFail: false, delayAbortEvalMs: 0 },
        ],
      })
    )
    assert.deepEqual(
      summary.thresholds.map((t) => [t.expression, t.ok]),
      [
        ['p(95)<1000', true],
        ['rate<0.01', true],
        ['count==0', true],
        ['count>100', false],
      ]
    )
    assert.equal(summary.thresholds[3]!.observed, 50)
  })

  test('abortOnFail stops the load at the first 2 s evaluation and calls onAbort', async () => {
    const aborts: ThresholdResult[] = []
    const started = Date.now()
    const summary = await runLoad(
      spec(`${server.base}/status/503`, {
        rate: 50,
        durationMs: 20_000,
        thresholds: [
          {
            metric: 'http_req_failed',
            expression: 'rate<0.5',
            abortOnFail: true,
            delayAbortEvalMs: 0,
          },
        ],
      }),
      { onAbort: (r) => aborts.push(r) }
    )
    const elapsed = Date.now() - started
    assert.equal(summary.aborted, true)
    assert.equal(aborts.length, 1)
    assert.deepEqual(aborts[0], {
      metric: 'http_req_failed',
      expression: 'rate<0.5',
      ok: false,
      observed: 1,
    })
    assert.ok(elapsed < 4000, `stopped at the 2 s evaluation, not after 20 s (${elapsed} ms)`)
    assert.ok(summary.requests >= 90 && summary.requests <= 110, `sent ${summary.requests}`)
    assert.ok(
      Math.abs(summary.rate.achieved - 50) < 5,
      `achieved over the time it ran: ${summary.rate.achieved}`
    )
    assert.equal(summary.thresholds[0]!.ok, false)
  })

  test('delayAbortEval keeps a failing threshold from aborting too early', async () => {
    const started = Date.now()
    const summary = await runLoad(
      spec(`${server.base}/status/503`, {
        rate: 20,
        durationMs: 20_000,
        thresholds: [
          {
            metric: 'http_req_failed',
            expression: 'rate<0.5',
            abortOnFail: true,
            delayAbortEvalMs: 3000,
          },
        ],
      })
    )
    const elapsed = Date.now() - started
    assert.equal(summary.aborted, true)
    assert.ok(elapsed >= 3900 && elapsed < 6000, `aborted at the 4 s evaluation (${elapsed} ms)`)
  })

  test('the caller’s signal stops the load; in-flight requests still complete', async () => {
    const controller = new AbortController()
    const started = Date.now()
    let abortedAfterMs = 0
    const summary = await runLoad(
      spec(`${server.base}/slow?ms=300`, { rate: 50, durationMs: 20_000 }),
      {
        signal: controller.signal,
        onTick: (tick) => {
          if (tick.second === 0) {
            abortedAfterMs = Date.now() - started
            controller.abort()
          }
        },
      }
    )
    assert.equal(summary.aborted, true)
    // Nothing is sent after the abort: at most what 50/s schedules until then (the first tick
    // comes late on a loaded machine, so the bound follows when the abort really happened).
    const scheduled = Math.ceil((abortedAfterMs / 1000) * 50)
    assert.ok(
      summary.requests >= 45 && summary.requests <= scheduled + 5,
      `sent ${summary.requests}, aborted after ${abortedAfterMs} ms (${scheduled} scheduled)`
    )
    assert.equal(summary.ok, summary.requests, 'requests in flight at the abort were awaited')
  })
})
