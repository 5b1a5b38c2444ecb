/**
 * The web UI's pure helpers, without a browser: one date format, the score exactly as the CLI
 * prints it, who did something, the run chart's gaps, and the experiment list's filter.
 * @module
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { ExperimentSummary, RunResult } from '../../src/shared/api.js'
import type { LoadSeries } from '../../src/shared/run-view.js'
import { runScore } from '../../src/engine/score.js'
import { invalidManifestResult } from '../../src/report/json.js'
import { formatSummary } from '../../src/report/terminal.js'
import {
  formatAxisSeconds,
  formatScore,
  formatTime,
  formatWho,
  TIME_PATTERN,
} from '../../ui/src/format.js'
import { chartSeries, hasLoad } from '../../ui/src/components/chart-data.js'
import { filterQuery, matches, runningCount } from '../../ui/src/components/experiment-filter.js'

test('dates: one format, local time, to the second', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (ms) => {
      const text = formatTime(ms)
      assert.match(text, TIME_PATTERN)
      // Read back as local time, it is the same second.
      const back = new Date(text.replace(' ', 'T')).getTime()
      assert.equal(back, Math.floor(ms / 1000) * 1000)
      assert.equal(formatTime(new Date(ms).toISOString()), text, 'ISO strings show the same')
    })
  )
  assert.equal(formatTime(undefined), '—')
  assert.equal(formatTime('not a date'), '—')
})

/** The CLI's summary line for a result with this score: `... resilience score 62.5`. */
function cliScore(score: number): string {
  const result = {
    ...invalidManifestResult('x.yaml', []),
    experiment: 'e',
    hypothesis: 'h',
    resilienceScore: score,
  } as unknown as RunResult
  const m = /resilience score ([0-9.]+)/.exec(formatSummary(result))
  assert.ok(m, 'the CLI prints the score')
  return m[1]!
}

test('the score reads as the CLI prints it: 62.5 is never 63, 83.33 never 83', () => {
  assert.equal(formatScore(62.5), '62.5')
  assert.equal(formatScore(83.33), '83.33')
  assert.equal(formatScore(100), '100')
  assert.equal(formatScore(0), '0')
  assert.equal(formatScore(undefined), '—')
  assert.equal(formatScore(null), '—')
  const step = fc.record({
    weight: fc.integer({ min: 0, max: 10 }),
    ran: fc.boolean(),
    probesTotal: fc.integer({ min: 0, max: 7 }),
    probesPassed: fc.integer({ min: 0, max: 7 }),
  })
  fc.assert(
    fc.property(fc.array(step, { maxLength: 6 }), (steps) => {
      const score = runScore(steps, 100)
      assert.equal(formatScore(score), cliScore(score))
    })
  )
})

test('who: the user name, the token when there was one, the id when no name is sent', () => {
  assert.equal(formatWho('alice', 'usr_1'), 'alice')
  assert.equal(formatWho('alice', 'usr_1', 'ci-deploy'), 'alice (token ci-deploy)')
  assert.equal(formatWho(undefined, 'usr_1'), 'usr_1')
  assert.equal(formatWho('', 'usr_1', ''), 'usr_1')
})

test('the chart axis is in seconds from the run start, like the rest of the run page', () => {
  assert.equal(formatAxisSeconds(0), '+0s')
  assert.equal(formatAxisSeconds(12), '+12s')
  assert.equal(formatAxisSeconds(2.5), '+2.5s')
  assert.equal(formatAxisSeconds(-1), '−1s')
})

function series(rows: { t: number; ok: number; errors?: number; p99: number }[]): LoadSeries {
  return {
    time: rows.map((r) => r.t),
    sent: rows.map(() => 10),
    ok: rows.map((r) => r.ok),
    errors: rows.map((r) => r.errors ?? 0),
    dropped: rows.map(() => 0),
    p50: rows.map((r) => r.p99 / 2),
    p95: rows.map((r) => r.p99),
    p99: rows.map((r) => r.p99),
    inFlight: rows.map(() => 1),
  }
}

test('chart: a second without completions is a gap in latency, not a p99 of 0', () => {
  const start = 1000
  const s = chartSeries(
    series([
      { t: 1001, ok: 10, p99: 3 },
      { t: 1002, ok: 0, p99: 0 },
      { t: 1003, ok: 0, errors: 2, p99: 5000 },
    ]),
    start * 1000
  )
  assert.deepEqual(s.x, [1, 2, 3], 'x in seconds since the run start')
  assert.deepEqual(s.p99, [3, null, 5000])
  assert.deepEqual(s.p50, [1.5, null, 2500])
  assert.deepEqual(s.ok, [10, 0, 0], 'throughput keeps its real 0')
})

test('chart: missing seconds break the lines instead of joining across them', () => {
  const s = chartSeries(
    series([
      { t: 10, ok: 5, p99: 2 },
      { t: 11, ok: 5, p99: 2 },
      { t: 15, ok: 5, p99: 2 },
    ]),
    9000
  )
  assert.deepEqual(s.x, [1, 2, 3, 6])
  assert.deepEqual(s.ok, [5, 5, null, 5])
  assert.deepEqual(s.p99, [2, 2, null, 2])
})

test('chart: only for a run with load', () => {
  assert.equal(hasLoad(series([]), ['fault', 'wait']), false)
  assert.equal(hasLoad(series([]), ['parallel', 'load']), true)
  assert.equal(hasLoad(series([{ t: 1, ok: 1, p99: 1 }]), []), true)
})

/** An experiment summary; `labels` and `runningRuns` only when given (an older server's). */
function experiment(over: Partial<ExperimentSummary>): ExperimentSummary {
  const base = {
    id: 'exp_1',
    name: 'checkout-latency',
    hypothesis: 'Orders survive a SLOW database',
    version: 1,
    createdAt: '2026-12-06T10:00:00Z',
    updatedAt: '2026-12-06T10:00:00Z',
    createdBy: 'usr_1',
    recentScores: [],
  }
  return { ...base, ...over } as ExperimentSummary
}

test('experiment list filter: q on name or hypothesis, every label, as the server applies them', () => {
  const e = experiment({ labels: { team: 'payments', tier: '1' } })
  assert.equal(matches(e, { q: 'CHECKOUT', labels: [] }), true)
  assert.equal(matches(e, { q: 'slow data', labels: [] }), true)
  assert.equal(matches(e, { q: 'kafka', labels: [] }), false)
  assert.equal(matches(e, { q: '', labels: ['team=payments', 'tier=1'] }), true)
  assert.equal(matches(e, { q: '', labels: ['team=payments', 'tier=2'] }), false)
  assert.equal(matches(experiment({ labels: {} }), { q: '', labels: ['team=payments'] }), false)
  // An answer without labels was filtered by the server, or not at all: keep it.
  assert.equal(matches(experiment({}), { q: '', labels: ['team=payments'] }), true)
  assert.equal(
    filterQuery({ q: ' slow ', labels: ['team=payments', 'a=b=c'] }),
    '?q=slow&label=team%3Dpayments&label=a%3Db%3Dc'
  )
  assert.equal(filterQuery({ q: '', labels: [] }), '')
})

test('running indicator: the count, or the last run when the server sends none', () => {
  assert.equal(runningCount(experiment({ runningRuns: 2 })), 2)
  const running = { runId: 'r', startedAt: '', status: 'running' as const }
  assert.equal(runningCount(experiment({ lastRun: running })), 1)
  assert.equal(runningCount(experiment({})), 0)
})
