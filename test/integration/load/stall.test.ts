/**
 * Coordinated omission, as in wrk2's README: the server is stopped (SIGSTOP) for 1.5 s mid-run.
 * The generator keeps a fixed pool of 2 keep-alive connections (wrk2-style), so during the
 * stall both connections hold one request each and every other request that falls due waits
 * client-side for a connection. When the server resumes, those requests go out and are
 * answered in about a millisecond: measured from their actual send (service time, what a
 * closed-loop tool reports) they look fast; measured from when they were due (response time)
 * they waited up to the whole stall. Only 2 of 2,000 requests have a long service time (the
 * two caught on the connections), far fewer than the 1% that p99 looks past; over a third
 * of all requests were due during the stall, so response-time p99 lands in it.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { runLoad } from '../../../src/load/generator.js'
import { spec, startTestServer } from './helpers.js'
import type { TestServer } from './helpers.js'

describe('a server that stalls for 1.5 s', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
  })
  after(async () => {
    await server.stop()
  })

  test('response-time p99 shows the stall; service-time p99 does not', async (t) => {
    let stalled = false
    let resume: NodeJS.Timeout | undefined
    const summary = await runLoad(
      spec(`${server.base}/ok`, {
        rate: 500,
        durationMs: 4000,
        connections: 2,
        // The same bound on both clocks: only the one from the schedule sees the stall.
        thresholds: ['http_req_duration', 'http_req_service_duration'].map((metric) => ({
          metric,
          expression: 'p(99)<400',
          abortOnFail: false,
          delayAbortEvalMs: 0,
        })),
      }),
      {
        onTick(tick) {
          // Stop the server right after the first second of load, for 1.5 s: the stall then
          // spans the end of second 1 (a resume that fell on that boundary could let the
          // second end with nothing outstanding on a loaded machine).
          if (tick.second === 0 && !stalled) {
            stalled = true
            process.kill(server.pid, 'SIGSTOP')
            resume = setTimeout(() => process.kill(server.pid, 'SIGCONT'), 1500)
          }
        },
      }
    )
    clearTimeout(resume)
    const { response, service } = summary.latency
    const detail =
      `response p99 ${response.p99} ms max ${response.max} ms; service p99 ${service.p99} ms ` +
      `max ${service.max} ms; sent ${summary.requests}, dropped ${summary.dropped}; ` +
      `per-second p99 ${summary.timeline.map((s) => s.p99).join(' ')}`
    t.diagnostic(detail)
    assert.ok(stalled, 'the server was stopped during the run')
    assert.equal(summary.dropped, 0, `no request was dropped (maxInFlight 1000): ${detail}`)
    assert.equal(summary.ok, summary.requests, detail)
    assert.ok(response.p99 >= 800, `response-time p99 covers the stall: ${detail}`)
    assert.ok(service.max >= 800, `the two requests caught on the connections waited: ${detail}`)
    assert.ok(service.p99 < 400, `service-time p99 does not reflect the full stall: ${detail}`)
    assert.ok(response.p99 > 4 * service.p99, detail)
    assert.deepEqual(
      summary.thresholds.map((r) => [r.metric, r.ok]),
      [
        ['http_req_duration', false],
        ['http_req_service_duration', true],
      ],
      `thresholds read response time and service time by name: ${detail}`
    )
    // The live line's "outstanding (oldest …)" has the figure it needs during the stall.
    const oldest = Math.max(...summary.timeline.map((s) => s.oldestInFlightMs ?? 0))
    assert.ok(oldest >= 300, `a second ended with requests outstanding for ${oldest} ms`)
    assert.equal(summary.timeline.at(-1)?.oldestInFlightMs, 0, 'none outstanding at the end')
  })
})
