import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bottleneckWarnings } from './warnings.js'

const base = {
  lagMs: [1, 1, 1],
  elu: [0.2, 0.2, 0.2],
  sendingSeconds: 3,
  dropped: 0,
  maxInFlight: 1000,
}

test('a generator that kept up: no warning', () => {
  assert.deepEqual(bottleneckWarnings(base), [])
})

test('schedule lag growing to the end of sending', () => {
  assert.deepEqual(bottleneckWarnings({ ...base, lagMs: [2, 40, 120] }), [
    'the load generator could not keep up: schedule lag 120 ms and growing; results under-report latency',
  ])
  assert.deepEqual(bottleneckWarnings({ ...base, lagMs: [300, 5, 2] }), [
    'the load generator could not keep up: schedule lag 300 ms; results under-report latency',
  ])
  assert.deepEqual(
    bottleneckWarnings({ ...base, lagMs: [1, 1, 1, 500], sendingSeconds: 3 }),
    [],
    'lag after sending ended (the drain second) does not count'
  )
})

test('a saturated event loop for two seconds or more, and drops', () => {
  const [cpu] = bottleneckWarnings({ ...base, elu: [0.97, 0.99, 0.5] })
  assert.match(cpu ?? '', /CPU-bound for 2 s \(event-loop utilisation 99%\)/)
  assert.deepEqual(bottleneckWarnings({ ...base, elu: [0.99, 0.2, 0.2] }), [])
  assert.match(
    bottleneckWarnings({ ...base, dropped: 7, maxInFlight: 5 })[0] ?? '',
    /^7 requests dropped: 5 were already in flight/
  )
})
