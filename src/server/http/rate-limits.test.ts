import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseRateLimits, rateClassOf } from './rate-limits.js'

test('--rate-limit specs: counts per name, the window with a unit', () => {
  assert.deepEqual(parseRateLimits('login=5'), { login: 5 })
  assert.deepEqual(parseRateLimits('login=5, write=10,ingest=100,window=30s'), {
    login: 5,
    write: 10,
    ingest: 100,
    windowMs: 30_000,
  })
  assert.deepEqual(parseRateLimits('window=2m'), { windowMs: 120_000 })
  assert.deepEqual(parseRateLimits('window=500ms'), { windowMs: 500 })
})

test('bad --rate-limit specs are one line naming the part', () => {
  for (const [spec, message] of [
    ['login', /'login' is not NAME=N/],
    ['reads=5', /'reads=5' is not NAME=N/],
    ['login=0', /login must be a positive count/],
    ['write=5s', /write must be a positive count/],
    ['window=0', /window must be positive/],
    ['login=-1', /is not NAME=N/],
  ] as const) {
    const parsed = parseRateLimits(spec)
    assert.equal(typeof parsed, 'string', spec)
    assert.match(parsed as string, message)
  }
})

test('routes spend write by default, reads nothing, unless they say otherwise', () => {
  assert.equal(rateClassOf({ method: 'GET' }), 'none')
  assert.equal(rateClassOf({ method: 'DELETE' }), 'write')
  assert.equal(rateClassOf({ method: 'POST', rate: 'login' }), 'login')
})
