import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { LoadTick } from './contract.js'
import { Aggregator } from './aggregate.js'
import { createHistogram, recordMs } from './histograms.js'
import { decodeReport, emptyCounts, encodeReport } from './seconds.js'
import type { SecondReport } from './seconds.js'

function report(second: number, okMs: number[], extra: Partial<SecondReport> = {}): SecondReport {
  const response = createHistogram()
  const service = createHistogram()
  okMs.forEach((ms) => {
    recordMs(response, ms)
    recordMs(service, ms / 2)
  })
  return {
    second,
    ...emptyCounts(),
    sent: okMs.length,
    ok: okMs.length,
    inFlight: 0,
    lagMs: 0,
    elu: 0,
    response,
    service,
    ...extra,
  }
}

test('a second is ticked once every thread reported it; totals merge histograms', () => {
  const ticks: LoadTick[] = []
  const a = new Aggregator(2, (t) => ticks.push(t))
  a.add(0, [report(0, [1, 2, 3]), report(1, [4])])
  assert.equal(ticks.length, 0, 'thread 1 has not reported second 0 yet')
  // Through the worker encoding, as a worker thread sends it.
  a.add(1, [decodeReport(encodeReport(report(0, [10, 20], { dropped: 2, inFlight: 3, lagMs: 7 })))])
  assert.deepEqual(
    ticks.map((t) => [t.second, t.sent, t.ok, t.dropped, t.inFlight]),
    [[0, 5, 5, 2, 3]]
  )
  assert.ok(Math.abs(ticks[0]!.p99 - 20) < 0.05, String(ticks[0]!.p99))
  a.threadDone(1)
  assert.deepEqual(
    ticks.map((t) => t.second),
    [0, 1]
  )
  a.threadDone(0)
  assert.equal(a.response.totalCount, 6)
  assert.equal(a.service.totalCount, 6)
  assert.ok(Math.abs(a.response.maxValue / 1000 - 20) < 0.05)
  assert.equal(a.counts.sent, 6)
  assert.deepEqual(a.lagMs, [7, 0])
})

test('sub-millisecond latencies survive (integer microseconds, not ms)', () => {
  const h = createHistogram()
  recordMs(h, 0.2)
  recordMs(h, 0.4)
  assert.equal(h.minNonZeroValue, 200)
  assert.ok(h.maxValue >= 400 && h.maxValue < 401)
})
