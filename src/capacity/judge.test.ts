import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { LoadTick } from '../load/contract.js'
import fc from 'fast-check'
import { aggregate, createHistogram, recordMs } from '../load/histograms.js'
import { parseThreshold, type ParsedThreshold } from '../load/thresholds.js'
import {
  clearFailure,
  judgedSource,
  judgeTrial,
  KEEP_UP,
  KEEP_UP_SLACK_MS,
  steadyTicks,
} from './judge.js'

function tick(second: number, over: Partial<LoadTick> = {}): LoadTick {
  return {
    second,
    sent: 100,
    ok: 100,
    errors: { http: 0, timeout: 0, connection: 0 },
    dropped: 0,
    p50: 2,
    p95: 5,
    p99: 10,
    inFlight: 0,
    ...over,
  }
}

function th(metric: string, expression: string): ParsedThreshold {
  const parsed = parseThreshold(metric, expression)
  assert.ok(parsed.ok)
  return parsed.threshold
}

const base = { rate: 100, warmupMs: 2000, trialMs: 5000, warnings: [], startedAt: 1, endedAt: 2 }
const thresholds = [th('http_req_failed', 'rate<0.01'), th('http_req_duration', 'p(99)<50')]

describe('judgeTrial', () => {
  test('judges only the seconds after the warm-up', () => {
    // Second 0 and 1 are terrible (warm-up), 2..4 are fine, 5 is the drain after the trial.
    const ticks = [
      tick(0, { ok: 0, errors: { http: 100, timeout: 0, connection: 0 }, p99: 900 }),
      tick(1, { p99: 900 }),
      tick(2),
      tick(3),
      tick(4),
      tick(5, { sent: 0, ok: 3, p99: 9 }),
    ]
    assert.deepEqual(
      steadyTicks(ticks, 2000, 5000).map((t) => t.second),
      [2, 3, 4]
    )
    const outcome = judgeTrial({ ...base, ticks, thresholds })
    assert.equal(outcome.passed, true)
    assert.equal(outcome.achieved, 100)
    assert.equal(outcome.throughput, 100)
    assert.equal(outcome.errorRate, 0)
    assert.equal(outcome.p99, 10)
  })

  test('fails on the first threshold that does not hold, with the figure', () => {
    const ticks = [2, 3, 4].map((s) =>
      tick(s, { ok: 90, errors: { http: 10, timeout: 0, connection: 0 } })
    )
    const outcome = judgeTrial({ ...base, ticks, thresholds })
    assert.equal(outcome.passed, false)
    assert.equal(outcome.errorRate, 0.1)
    assert.equal(outcome.throughput, 90)
    assert.match(outcome.reason ?? '', /http_req_failed 'rate<0.01' \(observed 0.1\)/)
  })

  test('a short generator that says so is the generator limit, not a failure of the system', () => {
    const ticks = [2, 3, 4].map((s) => tick(s, { sent: 60, ok: 60 }))
    const limited = judgeTrial({
      ...base,
      ticks,
      thresholds,
      warnings: ['the load generator was CPU-bound for 3 s (event-loop utilisation 100%); ...'],
    })
    assert.equal(limited.generatorLimited, true)
    assert.equal(limited.achieved, 60)
    // Without the generator's own warning, sending short is not blamed on it, nor on one
    // late timer that did not last.
    const plain = judgeTrial({ ...base, ticks, thresholds })
    assert.equal(plain.generatorLimited, undefined)
    const spike = judgeTrial({
      ...base,
      ticks,
      thresholds,
      warnings: [
        'the load generator could not keep up: schedule lag 140 ms; results under-report latency',
      ],
    })
    assert.equal(spike.generatorLimited, undefined)
    const growing = judgeTrial({
      ...base,
      ticks,
      thresholds,
      warnings: [
        'the load generator could not keep up: schedule lag 900 ms and growing; results under-report latency',
      ],
    })
    assert.equal(growing.generatorLimited, true)
  })

  test('dropped requests (maxInFlight reached) fail the trial', () => {
    const ticks = [2, 3, 4].map((s) => tick(s, { sent: 80, ok: 80, dropped: 20 }))
    const outcome = judgeTrial({ ...base, ticks, thresholds })
    assert.equal(outcome.passed, false)
    assert.match(outcome.reason ?? '', /dropped/)
  })

  test('a stopped trial failed, with why', () => {
    const outcome = judgeTrial({
      ...base,
      ticks: [tick(2)],
      thresholds,
      stoppedEarly: 'stopped early: x',
    })
    assert.equal(outcome.passed, false)
    assert.equal(outcome.stoppedEarly, true)
    assert.equal(outcome.reason, 'stopped early: x')
  })
})

describe('clearFailure', () => {
  test('only a threshold missed by far counts', () => {
    const errors = (http: number) =>
      tick(3, { ok: 100 - http, errors: { http, timeout: 0, connection: 0 } })
    assert.equal(clearFailure(errors(3), thresholds), undefined)
    assert.match(clearFailure(errors(10), thresholds) ?? '', /http_req_failed/)
    assert.equal(clearFailure(tick(3, { p99: 60 }), thresholds), undefined)
    assert.match(clearFailure(tick(3, { p99: 120 }), thresholds) ?? '', /http_req_duration/)
    // A stall: nothing completes, but the oldest request in flight is already far too old.
    const stall = tick(3, { ok: 0, p50: 0, p95: 0, p99: 0, oldestInFlightMs: 400 })
    assert.match(clearFailure(stall, thresholds) ?? '', /400 ms/)
  })
})

describe('judgeTrial: a system that does not keep up fails (B1)', () => {
  const errorsOnly = [th('http_req_failed', 'rate<0.01')]

  test('the degrade repro: 200 req/s sent, 100 answered, no error → fails', () => {
    const ticks = [2, 3, 4].map((s) => tick(s, { sent: 200, ok: 100, p99: 1800, inFlight: 300 }))
    const outcome = judgeTrial({ ...base, rate: 200, ticks, thresholds: errorsOnly })
    assert.equal(outcome.passed, false)
    assert.match(outcome.reason ?? '', /not keeping up: 300 of 600 requests/)
  })

  test('nothing answered at all fails, even with no threshold to judge', () => {
    const ticks = [2, 3, 4].map((s) => tick(s, { ok: 0, p50: 0, p95: 0, p99: 0, inFlight: 300 }))
    const outcome = judgeTrial({ ...base, ticks, thresholds: [] })
    assert.equal(outcome.passed, false)
    assert.match(outcome.reason ?? '', /no answer to any of 300 requests/)
  })

  test('a request that times out after the trial, in the drain, is a failure', () => {
    const ticks = [
      tick(2),
      tick(3),
      tick(4, { inFlight: 30 }),
      tick(5, { sent: 0, ok: 0, errors: { http: 0, timeout: 30, connection: 0 } }),
    ]
    const outcome = judgeTrial({ ...base, ticks, thresholds: errorsOnly })
    assert.equal(outcome.passed, false)
    assert.match(outcome.reason ?? '', /http_req_failed/)
    assert.equal(outcome.errorRate, 0.0909)
  })

  test('a request never answered (still in flight at the end) is a failure', () => {
    const ticks = [tick(2), tick(3), tick(4, { inFlight: 10 })]
    const outcome = judgeTrial({ ...base, ticks, thresholds: errorsOnly })
    assert.equal(outcome.errorRate, round4(10 / 310))
    assert.equal(outcome.passed, false)
  })

  test('property: completing ≥ 95 % of what was sent, no error, passes; below 95 % fails', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 20, max: 2000 }), { minLength: 1, maxLength: 8 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (sent, share) => {
          const total = sent.reduce((a, b) => a + b, 0)
          const answered = sent.map((n) => Math.floor(n * share))
          const ticks = sent.map((n, i) => tick(i + 2, { sent: n, ok: answered[i]!, inFlight: 0 }))
          const done = answered.reduce((a, b) => a + b, 0)
          const outcome = judgeTrial({
            ...base,
            rate: total / sent.length,
            trialMs: (sent.length + 2) * 1000,
            ticks,
            thresholds: errorsOnly,
          })
          const rate = total / sent.length
          const allowed = Math.max((1 - KEEP_UP) * total, (rate * KEEP_UP_SLACK_MS) / 1000)
          assert.equal(outcome.passed, total - done <= allowed, JSON.stringify(outcome))
        }
      )
    )
  })
})

describe('judgeTrial: exact percentiles from the merged histograms (S1)', () => {
  test('one slow second in ten: the p99 is that second’s latency, not a mean', () => {
    const latency = createHistogram()
    const ticks: LoadTick[] = []
    for (let s = 0; s < 10; s++) {
      const ms = s === 5 ? 5000 : 10
      ticks.push(tick(s, { p50: ms, p95: ms, p99: ms }))
      if (s >= 2) {
        for (let i = 0; i < 100; i++) {
          recordMs(latency, ms)
        }
      }
    }
    const outcome = judgeTrial({
      ...base,
      trialMs: 10_000,
      ticks,
      latency,
      thresholds: [th('http_req_duration', 'p(99)<1000')],
    })
    assert.equal(outcome.passed, false)
    assert.ok(Math.abs(outcome.p99 - 5000) < 5000 * 0.002, String(outcome.p99))
    latency.destroy()
  })

  test('property: every aggregation judged equals the one of all samples merged', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 1, max: 60_000 }), { minLength: 1, maxLength: 30 }), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.constantFrom(50, 90, 95, 99, 99.9),
        (perSecond, percentile) => {
          const merged = createHistogram()
          const all = createHistogram()
          for (const second of perSecond) {
            const h = createHistogram()
            second.forEach((ms) => {
              recordMs(h, ms)
              recordMs(all, ms)
            })
            merged.add(h)
            h.destroy()
          }
          const source = judgedSource({
            ticks: perSecond.map((s, i) => tick(i + 2, { sent: s.length, ok: s.length })),
            warmupMs: 2000,
            trialMs: (perSecond.length + 2) * 1000,
            latency: merged,
          })
          for (const a of [
            { kind: 'p', percentile },
            { kind: 'avg' },
            { kind: 'max' },
            { kind: 'med' },
          ] as const) {
            assert.equal(source.trend('http_req_duration', a), aggregate(all, a))
          }
          merged.destroy()
          all.destroy()
        }
      ),
      { numRuns: 50 }
    )
  })
})

describe('judgeTrial: the generator limit is judged before an early stop (S3)', () => {
  test('stopped early while the generator was CPU-bound: generator-limited', () => {
    const ticks = [2, 3].map((s) => tick(s, { sent: 60, ok: 60, p99: 900 }))
    const outcome = judgeTrial({
      ...base,
      ticks,
      thresholds,
      offeredRate: 60,
      stoppedEarly: 'stopped early: http_req_duration far exceeded for 2 s',
      warnings: ['the load generator was CPU-bound for 3 s (event-loop utilisation 100%); ...'],
    })
    assert.equal(outcome.generatorLimited, true)
    assert.match(outcome.reason ?? '', /generator's limit/)
  })
})

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000
}
