import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { JournalEventBody } from '../engine/events.js'
import type { MetricSpec } from './contract.js'
import { MetricSampler, readTimeoutMs } from './sampler.js'

const depth: MetricSpec = {
  id: 'metric/queue-depth',
  name: 'queue-depth',
  intervalMs: 1000,
  source: { rabbitmq: { url: 'http://127.0.0.1:1', queue: 'orders' } },
}

/** A virtual clock: sleeping advances it, and the Nth sleep stops the sampler. */
function harness(readings: (number | Error)[]) {
  let clock = 1_000_000
  const events: JournalEventBody[] = []
  const slept: number[] = []
  let i = 0
  let stopped: (() => void) | undefined
  const done = new Promise<void>((resolve) => (stopped = resolve))
  const sampler = new MetricSampler({
    metrics: [depth],
    emit: (e) => events.push(e),
    vars: () => ({}),
    now: () => clock,
    read: () => {
      const r = readings[i++]!
      clock += 100 // each reading takes 100 ms
      return r instanceof Error ? Promise.reject(r) : Promise.resolve(r)
    },
    sleep: (ms) => {
      slept.push(ms)
      clock += ms
      if (i >= readings.length) {
        stopped!()
        return new Promise(() => undefined) // parked until stop() resolves the loop
      }
      return Promise.resolve()
    },
  })
  return { sampler, events, slept, done }
}

describe('metric sampler', () => {
  it('journals a sample per reading at a fixed cadence, and a gap with its reason on failure', async () => {
    const h = harness([10, 20, new Error('ECONNREFUSED: connect'), 40])
    h.sampler.start()
    await h.done
    // A parked sleep never settles: stop() must not wait on it forever.
    const stopping = h.sampler.stop()
    assert.deepEqual(h.events, [
      {
        type: 'metric.sample',
        metricId: 'metric/queue-depth',
        name: 'queue-depth',
        sample: { t: 1_000_100, value: 10 },
      },
      {
        type: 'metric.sample',
        metricId: 'metric/queue-depth',
        name: 'queue-depth',
        sample: { t: 1_001_100, value: 20 },
      },
      {
        type: 'metric.failed',
        metricId: 'metric/queue-depth',
        name: 'queue-depth',
        error: 'ECONNREFUSED: connect',
      },
      {
        type: 'metric.sample',
        metricId: 'metric/queue-depth',
        name: 'queue-depth',
        sample: { t: 1_003_100, value: 40 },
      },
    ])
    assert.deepEqual(h.slept, [900, 900, 900, 900])
    void stopping
  })

  it('journals a streak of failures at its first and, when a reading succeeds, with its count', async () => {
    const h = harness([
      5,
      new Error('timed out after 2 s'),
      new Error('ECONNREFUSED: connect'),
      new Error('ECONNREFUSED: connect'),
      7,
      new Error('HTTP 503'),
      8,
    ])
    h.sampler.start()
    await h.done
    void h.sampler.stop()
    const lines = h.events.map((e) =>
      e.type === 'metric.sample'
        ? `sample ${e.sample.value}`
        : e.type === 'metric.failed'
          ? `failed ${e.error}${e.count === undefined ? '' : ` x${e.count}`}`
          : e.type
    )
    // A single failure needs no closing line: its first line says it all.
    assert.deepEqual(lines, [
      'sample 5',
      'failed timed out after 2 s',
      'failed ECONNREFUSED: connect x3',
      'sample 7',
      'failed HTTP 503',
      'sample 8',
    ])
  })

  it('closes a streak still open when sampling stops', async () => {
    const events: JournalEventBody[] = []
    let reads = 0
    let third: (() => void) | undefined
    const failedThrice = new Promise<void>((resolve) => (third = resolve))
    const sampler = new MetricSampler({
      metrics: [depth],
      emit: (e) => events.push(e),
      vars: () => ({}),
      read: () => {
        reads += 1
        return Promise.reject(new Error('ECONNREFUSED: connect'))
      },
      // Parked after the third failure was counted, until stop() aborts the sleep.
      sleep: (_ms, signal) => {
        if (reads < 3) {
          return Promise.resolve()
        }
        third!()
        return new Promise((resolve) => signal.addEventListener('abort', () => resolve()))
      },
    })
    sampler.start()
    await failedThrice
    await sampler.stop()
    assert.deepEqual(
      events.map((e) => (e.type === 'metric.failed' ? e.count : e.type)),
      [undefined, 3]
    )
  })

  it('stops promptly with the real sleep, and journals nothing after stop', async () => {
    const events: JournalEventBody[] = []
    let reads = 0
    const sampler = new MetricSampler({
      metrics: [{ ...depth, intervalMs: 60_000 }],
      emit: (e) => events.push(e),
      vars: () => ({}),
      read: () => Promise.resolve(++reads),
    })
    sampler.start()
    await new Promise((r) => setImmediate(r))
    await sampler.stop()
    assert.equal(reads, 1)
    assert.equal(events.length, 1)
  })

  it('abandons a reading in flight on stop', async () => {
    const events: JournalEventBody[] = []
    const sampler = new MetricSampler({
      metrics: [depth],
      emit: (e) => events.push(e),
      vars: () => ({}),
      read: (_m, ctx) =>
        new Promise((_resolve, reject) =>
          ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))
        ),
    })
    sampler.start()
    await sampler.stop()
    assert.deepEqual(events, [])
  })

  it('a reading times out after twice its interval, between 2 s and 10 s', () => {
    assert.equal(readTimeoutMs(100), 2000)
    assert.equal(readTimeoutMs(3000), 6000)
    assert.equal(readTimeoutMs(60_000), 10_000)
  })
})
