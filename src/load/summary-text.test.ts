import { test } from 'node:test'
import assert from 'node:assert/strict'
import { stripVTControlCharacters as plain } from 'node:util'
import type { LatencySummary, LoadSummary } from './contract.js'
import { formatLoadSummary, observedText } from './summary-text.js'

const latency = (ms: number): LatencySummary => ({
  p50: ms,
  p90: ms,
  p95: ms,
  p99: ms,
  max: ms,
  min: ms,
  avg: ms,
})

function summary(overrides: Partial<LoadSummary> = {}): LoadSummary {
  return {
    requests: 10,
    ok: 10,
    failed: 0,
    dropped: 0,
    errors: { http: 0, timeout: 0, connection: 0 },
    rate: { target: 10, achieved: 10 },
    latency: { response: latency(900), service: latency(3) },
    timeline: [],
    thresholds: [],
    warnings: [],
    durationMs: 1000,
    aborted: false,
    ...overrides,
  }
}

test('both duration metrics are printed under their own name, each with what it measures', () => {
  const lines = plain(formatLoadSummary(summary())).split('\n')
  const at = (name: string) => lines.findIndex((l) => l.trimStart().startsWith(`${name}.`))
  const response = at('http_req_duration')
  const service = at('http_req_service_duration')
  assert.match(lines[response]!, /avg=900ms/, 'http_req_duration is the response time')
  assert.match(lines[response + 1]!, /from when each request was due/)
  assert.match(lines[service]!, /avg=3ms/, 'http_req_service_duration is the service time')
  assert.match(lines[service + 1]!, /from when each request was actually sent/)
})

test('thresholds on either duration metric show their observed value with its unit', () => {
  const thresholds = [
    { metric: 'http_req_duration', expression: 'p(95)<500', ok: false, observed: 900 },
    { metric: 'http_req_service_duration', expression: 'p(95)<500', ok: true, observed: 3 },
  ]
  assert.equal(observedText(thresholds[0]!), 'p(95)=900ms')
  assert.equal(observedText(thresholds[1]!), 'p(95)=3ms')
  const text = plain(formatLoadSummary(summary({ thresholds })))
  assert.match(text, /http_req_duration\n\s+✗ 'p\(95\)<500' p\(95\)=900ms/)
  assert.match(text, /http_req_service_duration\n\s+✓ 'p\(95\)<500' p\(95\)=3ms/)
})
