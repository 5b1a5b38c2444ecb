import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadSchema } from './schema.js'
import { loadIssues, resolveLoad } from './resolve.js'

test('defaults: GET, 1000 in flight, 10 s timeout, 200-399, auto workers, startRate 0', () => {
  const input = loadSchema.parse({ url: 'http://127.0.0.1:8080/', rate: 100, duration: '30s' })
  assert.deepEqual(resolveLoad(input), {
    url: 'http://127.0.0.1:8080/',
    method: 'GET',
    headers: {},
    rate: 100,
    startRate: 0,
    durationMs: 30_000,
    maxInFlight: 1000,
    timeoutMs: 10_000,
    expectedStatus: '200-399',
    thresholds: [],
    workers: 'auto',
  })
})

test('stages: the duration is their sum; thresholds in both forms', () => {
  const spec = resolveLoad(
    loadSchema.parse({
      url: 'http://x/orders',
      method: 'POST',
      body: '{"id":"{{uuid}}"}',
      id: '{{uuid}}',
      capture: '$.id',
      startRate: 10,
      stages: [
        { duration: '10s', target: 100 },
        { duration: '1m', target: 100 },
      ],
      timeout: '2s',
      thresholds: {
        http_req_duration: [
          'p(95)<200',
          { threshold: 'p(99)<500', abortOnFail: true, delayAbortEval: '10s' },
        ],
        dropped_iterations: ['count==0'],
      },
      workers: 2,
    })
  )
  assert.equal(spec.durationMs, 70_000)
  assert.deepEqual(spec.stages, [
    { durationMs: 10_000, target: 100 },
    { durationMs: 60_000, target: 100 },
  ])
  assert.equal(spec.startRate, 10)
  assert.equal(spec.rate, undefined)
  assert.equal(spec.timeoutMs, 2000)
  assert.equal(spec.workers, 2)
  assert.deepEqual(spec.thresholds, [
    {
      metric: 'http_req_duration',
      expression: 'p(95)<200',
      abortOnFail: false,
      delayAbortEvalMs: 0,
    },
    {
      metric: 'http_req_duration',
      expression: 'p(99)<500',
      abortOnFail: true,
      delayAbortEvalMs: 10_000,
    },
    {
      metric: 'dropped_iterations',
      expression: 'count==0',
      abortOnFail: false,
      delayAbortEvalMs: 0,
    },
  ])
})

test('loadIssues: threshold grammar and status ranges, with paths', () => {
  const input = loadSchema.parse({
    url: 'http://x/',
    rate: 1,
    duration: '1s',
    expectedStatus: '399-200',
    thresholds: {
      http_req_duration: ['p95<200', { threshold: 'rate<1' }],
      http_req_failed: ['rate<0.01'],
    },
  })
  assert.deepEqual(loadIssues(input), [
    {
      path: ['thresholds', 'http_req_duration', 0],
      message: "unknown aggregation 'p95' for http_req_duration (use p(95))",
    },
    {
      path: ['thresholds', 'http_req_duration', 1, 'threshold'],
      message:
        "aggregation 'rate' does not apply to http_req_duration (use avg, min, max, med or p(N))",
    },
    { path: ['expectedStatus'], message: "expected status range '399-200' goes backwards" },
  ])
})
