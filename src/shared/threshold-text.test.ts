import assert from 'node:assert/strict'
import { test } from 'node:test'
import { thresholdComparison, thresholdFigure } from './threshold-text.js'

test('a threshold figure carries the unit of its metric (the UI showed "observed 2040.831")', () => {
  assert.equal(
    thresholdComparison({
      metric: 'http_req_duration',
      expression: 'p(95)<500',
      ok: false,
      observed: 2040.831,
    }),
    'http_req_duration p(95) 2.04 s > 500 ms (p(95)<500)'
  )
  assert.equal(
    thresholdComparison({
      metric: 'http_req_failed',
      expression: 'rate<0.01',
      ok: false,
      observed: 0.12,
    }),
    'http_req_failed 12% > 1% (rate<0.01)'
  )
  assert.equal(thresholdFigure('http_reqs', 'count', 12000), '12 000')
  assert.equal(thresholdFigure('dropped_iterations', 'rate', 3.21), '3.21/s')
})
