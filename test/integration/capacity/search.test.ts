/**
 * The capacity search against servers whose capacity is known by construction (a token
 * bucket of N req/s; a one-at-a-time server of R req/s whose latency grows past R): the
 * answer is within the precision, never credited far above, the same over three runs. Short
 * trials and a loose precision keep it fast; nothing here asserts a time.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { resolveCapacity } from '../../../src/capacity/resolve.js'
import { runCapacity } from '../../../src/capacity/run.js'
import type { CapacityInput } from '../../../src/capacity/schema.js'
import type { CapacitySpec } from '../../../src/capacity/spec.js'
import type { CapacityTrial } from '../../../src/shared/capacity.js'
import { capacitySpec } from '../../support/capacity/spec.js'
import { startServer, type TestServer } from '../../support/capacity/servers.js'

function spec(port: number, over: Partial<CapacitySpec> = {}): CapacitySpec {
  return capacitySpec(port, over)
}

async function search(s: CapacitySpec) {
  const trials: CapacityTrial[] = []
  const result = await runCapacity('run.0', 'find', s, {
    emit: () => undefined,
    signal: new AbortController().signal,
    onTrial: (t) => trials.push(t),
  })
  assert.ok(result)
  return { result, trials }
}

describe('capacity search, token bucket of 280 req/s', () => {
  const N = 280
  let server: TestServer
  before(async () => {
    server = await startServer('token-bucket.mjs', { RATE: String(N) })
  })
  after(() => server.stop())

  test('finds N within the precision, three times', async () => {
    const answers: number[] = []
    for (let run = 0; run < 3; run++) {
      const { result, trials } = await search(spec(server.port))
      const found = result.baseline.sustainable
      assert.ok(found !== null, JSON.stringify(trials))
      // Within the precision below N, less a 10 % allowance: a server process starved of CPU
      // on a shared 2-core machine handles its backlog at once, which a strict limit counts as
      // a burst, so rates near N fail now and then. Never more than a hair above N (the 1 % of
      // errors the threshold allows).
      assert.ok(
        found >= N * (1 - 0.1) * 0.9 && found <= N * 1.02,
        `found ${found}: ${JSON.stringify(trials)}`
      )
      assert.equal(result.baseline.generatorLimited, false)
      assert.ok(result.baseline.bracket.high !== null)
      assert.ok(result.baseline.errorsFrom !== undefined)
      // The failed trials failed on errors, as the bucket answers 503 at once past N.
      for (const t of trials.filter((t) => !t.passed)) {
        assert.match(t.reason ?? '', /http_req_failed|stopped early/)
        assert.ok(t.errorRate > 0)
      }
      answers.push(found)
    }
    // Repeatable: every answer sits in the same precision band.
    assert.ok(Math.max(...answers) - Math.min(...answers) <= N * 0.2, `answers ${answers}`)
  })

  test('a clearly failing trial is stopped early', async () => {
    // Far above N (2×): half the requests fail in every second, so the trial stops after two
    // seconds past the warm-up rather than running its 6 s.
    const { trials } = await search(
      spec(server.port, { start: 560, max: 560, trialMs: 6000, warmupMs: 1000 })
    )
    assert.equal(trials.length, 1)
    assert.equal(trials[0]!.passed, false)
    assert.equal(trials[0]!.stoppedEarly, true)
    assert.match(trials[0]!.reason ?? '', /stopped early: http_req_failed/)
  })
})

describe('capacity search, a server that degrades past 250 req/s', () => {
  const R = 250
  let server: TestServer
  before(async () => {
    server = await startServer('token-bucket.mjs', { RATE: String(R), MODE: 'degrade' })
  })
  after(() => server.stop())

  test('finds where latency breaks the threshold, near R', async () => {
    const { result, trials } = await search(
      spec(server.port, {
        thresholds: [
          {
            metric: 'http_req_duration',
            expression: 'p(99)<250',
            abortOnFail: false,
            delayAbortEvalMs: 0,
          },
        ],
        trialMs: 3000,
      })
    )
    const found = result.baseline.sustainable
    assert.ok(found !== null, JSON.stringify(trials))
    // Past R the queue grows by (rate − R) / R seconds per second: 20 % over R is 600 ms of
    // queue by the end of a 3 s trial, far over 250 ms; below R latency is a few ms, with
    // spikes near 100 ms on a loaded machine (hence 250, not 100).
    assert.ok(found >= R * 0.75 && found <= R * 1.2, `found ${found}: ${JSON.stringify(trials)}`)
    const failed = trials.filter((t) => !t.passed)
    assert.ok(
      failed.every((t) => /http_req_duration|not keeping up/.test(t.reason ?? '')),
      JSON.stringify(failed)
    )
  })
})

describe('capacity search, a server of 100 req/s judged on errors only (B1)', () => {
  const R = 100
  let server: TestServer
  before(async () => {
    server = await startServer('token-bucket.mjs', { RATE: String(R), MODE: 'degrade' })
  })
  after(() => server.stop())

  test('finds its real capacity: a rate it cannot keep up with fails though nothing errs', async () => {
    // A timeout longer than the trial: past R nothing fails, the queue only grows. What fails
    // those rates is that fewer than 95 % of the requests sent are answered.
    const base = spec(server.port)
    const { result, trials } = await search({
      ...base,
      load: { ...base.load, timeoutMs: 10_000 },
      start: 25,
      max: 400,
      trialMs: 4000,
    })
    const found = result.baseline.sustainable
    assert.ok(found !== null, JSON.stringify(trials))
    assert.ok(found >= R * 0.8 && found <= R * 1.1, `found ${found}: ${JSON.stringify(trials)}`)
    assert.ok(result.baseline.bracket.high !== null)
    const failed = trials.filter((t) => !t.passed)
    assert.ok(failed.length > 0)
    assert.ok(
      failed.every((t) => /not keeping up/.test(t.reason ?? '')),
      JSON.stringify(failed)
    )
  })
})

describe('capacity search without a threshold (B1)', () => {
  let server: TestServer
  before(async () => {
    // 2 req/s: at 50 req/s and more, 96 % and more of the answers are 503.
    server = await startServer('token-bucket.mjs', { RATE: '2' })
  })
  after(() => server.stop())

  test('the default http_req_failed rate<0.01 judges: a mostly-503 server has no capacity', async () => {
    const resolved = resolveCapacity(
      {
        load: { url: `http://127.0.0.1:${server.port}/`, timeout: '2s', workers: 1 },
        start: 50,
        max: 200,
        precision: '10%',
        trial: '2s',
        warmup: '1s',
      } as CapacityInput,
      'run.0'
    )
    assert.deepEqual(
      resolved.thresholds.map((t) => `${t.metric} ${t.expression}`),
      ['http_req_failed rate<0.01']
    )
    const { result, trials } = await search(resolved)
    assert.equal(result.baseline.sustainable, null, JSON.stringify(trials))
    assert.match(trials[0]!.reason ?? '', /http_req_failed 'rate<0.01'/)
  })
})
