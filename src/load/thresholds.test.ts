import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHistogram, recordMs } from './histograms.js'
import { aggregate } from './histograms.js'
import { evaluateThreshold, parseThreshold } from './thresholds.js'
import type { MetricSource, ParsedThreshold } from './thresholds.js'

function parsed(metric: string, expression: string): ParsedThreshold {
  const result = parseThreshold(metric, expression)
  assert.ok(result.ok, `${metric}: ${expression}: ${result.ok ? '' : result.message}`)
  return result.threshold
}

function message(metric: string, expression: string): string {
  const result = parseThreshold(metric, expression)
  assert.ok(!result.ok, `${metric}: ${expression} should be rejected`)
  return result.message
}

test('parses the k6 grammar for every metric the generator has', () => {
  assert.deepEqual(parsed('http_req_duration', 'p(95)<200'), {
    metric: 'http_req_duration',
    expression: 'p(95)<200',
    aggregation: { kind: 'p', percentile: 95 },
    operator: '<',
    value: 200,
  })
  assert.deepEqual(parsed('http_req_duration', ' p( 99.9 ) <= 10.5 ').aggregation, {
    kind: 'p',
    percentile: 99.9,
  })
  for (const [metric, expression] of [
    ['http_req_duration', 'avg<100'],
    ['http_req_duration', 'med>=1'],
    ['http_req_duration', 'max != 0'],
    ['http_req_service_duration', 'min>0'],
    ['http_req_service_duration', 'p(50)==1'],
    ['http_req_failed', 'rate<0.01'],
    ['http_reqs', 'count>10'],
    ['http_reqs', 'rate>=99.5'],
    ['dropped_iterations', 'count==0'],
    ['dropped_iterations', 'count===0'],
    ['dropped_iterations', 'rate<1e-3'],
  ]) {
    parsed(metric!, expression!)
  }
})

test('rejects bad expressions with one-line messages that say what to write', () => {
  assert.equal(
    message('http_req_duration', 'p95<200'),
    "unknown aggregation 'p95' for http_req_duration (use p(95))"
  )
  assert.equal(
    message('http_req_failed', 'avg<1'),
    "aggregation 'avg' does not apply to http_req_failed (use rate)"
  )
  assert.equal(
    message('http_req_duration', 'count<1'),
    "aggregation 'count' does not apply to http_req_duration (use avg, min, max, med or p(N))"
  )
  assert.equal(
    message('dropped_iterations', 'p(99)<1'),
    "aggregation 'p(99)' does not apply to dropped_iterations (use count or rate)"
  )
  assert.equal(
    message('http_req_duration', 'average<1'),
    "unknown aggregation 'average' for http_req_duration (use avg, min, max, med or p(N))"
  )
  assert.match(
    message('http_req_duration', 'p(101)<1'),
    /percentile in 'p\(101\)' must be a number from 0 to 100/
  )
  assert.match(message('http_req_duration', 'p()<1'), /percentile/)
  assert.match(message('http_req_duration', 'p(95)'), /is not '<aggregation> <operator> <value>'/)
  assert.match(
    message('http_req_duration', 'p(95)=>1'),
    /is not '<aggregation> <operator> <value>'/
  )
  assert.match(
    message('http_req_duration', 'p(95)<fast'),
    /'fast' in 'p\(95\)<fast' is not a number/
  )
  assert.match(message('http_req_duration', 'p(95)<200ms'), /is not a number/)
  assert.match(
    message('http_req_waiting', 'p(95)<1'),
    /unknown metric 'http_req_waiting' \(use one of http_req_duration, /
  )
  assert.match(message('http_req_duration{type:API}', 'p(95)<1'), /tag filters are not supported/)
  for (const text of ['', 'p(95)<200', 'rate<0.01']) {
    assert.ok(!message('nope', text).includes('\n'))
  }
})

test('evaluates trends in ms, rates and counts; no sample yet passes', () => {
  const response = createHistogram()
  for (let ms = 1; ms <= 100; ms++) {
    recordMs(response, ms)
  }
  const service = createHistogram()
  const source: MetricSource = {
    trend: (metric, a) => aggregate(metric === 'http_req_duration' ? response : service, a),
    completed: 200,
    failed: 3,
    sent: 210,
    dropped: 0,
    elapsedSeconds: 2,
  }
  const check = (metric: string, expression: string) =>
    evaluateThreshold(parsed(metric, expression), source)
  const p95 = check('http_req_duration', 'p(95)<95.5')
  assert.equal(p95.ok, true)
  assert.ok(Math.abs(p95.observed - 95) < 0.1, String(p95.observed))
  assert.equal(check('http_req_duration', 'p(95)<90').ok, false)
  assert.equal(check('http_req_duration', 'max<=100.1').ok, true)
  assert.equal(check('http_req_duration', 'min>=1').ok, true)
  assert.ok(Math.abs(check('http_req_duration', 'avg<51').observed - 50.5) < 0.1)
  assert.equal(check('http_req_duration', 'med>50.5').ok, false)
  assert.deepEqual(check('http_req_failed', 'rate<0.01'), {
    metric: 'http_req_failed',
    expression: 'rate<0.01',
    ok: false,
    observed: 0.015,
  })
  assert.equal(check('http_reqs', 'rate==105').ok, true)
  assert.equal(check('http_reqs', 'count>=210').ok, true)
  assert.equal(check('dropped_iterations', 'count==0').ok, true)
  assert.equal(check('dropped_iterations', 'count!=0').ok, false)
  const empty = check('http_req_service_duration', 'p(99)<0')
  assert.equal(empty.ok, true, 'no sample: passes, as in k6')
  assert.ok(Number.isNaN(empty.observed))
})
