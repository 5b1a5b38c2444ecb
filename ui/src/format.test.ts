/**
 * The web UI's display helpers, without a browser: one date format, the score exactly as the
 * CLI prints it, who did something, and the one offset and duration style of the run page.
 * @module
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { AgentInfo, RunResult } from '../../src/shared/api.js'
import { runScore } from '../../src/engine/score.js'
import { invalidManifestResult } from '../../src/report/json.js'
import { formatSummary } from '../../src/report/terminal.js'
import * as units from '../../src/shared/units.js'
import {
  formatAxisSeconds,
  formatClock,
  formatDuration,
  formatOffset,
  formatScore,
  formatTime,
  formatWhere,
  formatWho,
  parseLabels,
  sortAgents,
  TIME_PATTERN,
} from './format.js'

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
  // An untruncated score (an older record, a future API) still reads as the CLI prints it.
  assert.equal(formatScore(83.333333), '83.33')
  fc.assert(
    fc.property(fc.double({ min: 0, max: 100, noNaN: true }), (score) => {
      assert.equal(formatScore(score), units.formatScore(score))
    })
  )
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

test('one relative-time style on the run page: journal, windows and chart axis read +6.2 s', () => {
  const start = 1_000_000
  assert.equal(formatOffset(start + 12_345, start), '+12.3 s')
  assert.equal(formatOffset(start + 125_340, start), '+2 min 5.3 s')
  assert.equal(formatAxisSeconds(0), '+0.0 s')
  assert.equal(formatAxisSeconds(12), '+12.0 s')
  assert.equal(formatAxisSeconds(2.5), '+2.5 s')
  assert.equal(formatAxisSeconds(-1), '-1.0 s')
  // The server's reasons write offsets with the shared formatter: the page reads the same.
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 86_400_000 }), (ms) => {
      assert.equal(formatOffset(start + ms, start), units.formatOffset(ms))
      assert.equal(formatAxisSeconds(ms / 1000), units.formatOffset(ms))
    })
  )
  assert.equal(formatOffset(0, undefined), formatTime(0), 'the date when the start is unknown')
})

test('durations read as the terminal prints them (1.5 min, not 1m30s)', () => {
  assert.equal(formatDuration(90_000), '1.5 min')
  assert.equal(formatDuration(1500), '1.5 s')
  assert.equal(formatDuration(250), '250 ms')
  assert.equal(formatDuration(undefined), '—')
  assert.equal(formatDuration(Number.NaN), '—')
  fc.assert(
    fc.property(fc.double({ min: 0, max: 1e9, noNaN: true }), (ms) => {
      assert.equal(formatDuration(ms), units.formatMs(ms))
    })
  )
})

test('formatWhere: this server, cli, the agent, or where a queued run was asked to go', () => {
  assert.equal(formatWhere({ source: 'server' }), 'this server')
  assert.equal(formatWhere({ source: 'cli' }), 'cli')
  assert.equal(formatWhere({ source: 'agent', agent: 'edge-1' }), 'edge-1')
  assert.equal(formatWhere({ source: 'agent', placement: { agent: 'edge-2' } }), 'edge-2')
  assert.equal(
    formatWhere({ source: 'agent', placement: { labels: { zone: 'eu', os: 'linux' } } }),
    'os=linux, zone=eu'
  )
  const parts = { a: 'edge-1', b: 'edge-2' }
  assert.equal(formatWhere({ source: 'agent', placement: { parts } }), 'edge-1, edge-2')
  assert.equal(
    formatWhere({ source: 'agent', agent: 'edge-1, edge-2', placement: { parts } }),
    'edge-1, edge-2'
  )
})

test('parseLabels: pairs split by commas or spaces; a malformed pair is named', () => {
  assert.deepEqual(parseLabels('zone=eu, os=linux  gpu='), {
    labels: { zone: 'eu', os: 'linux', gpu: '' },
  })
  assert.deepEqual(parseLabels(''), { labels: {} })
  assert.deepEqual(parseLabels('zone'), { error: "labels: 'zone' must look like key=value" })
  assert.deepEqual(parseLabels('error=x'), { labels: { error: 'x' } })
})

test('formatClock and sortAgents', () => {
  assert.equal(formatClock(undefined), '—')
  assert.equal(formatClock({ offsetMs: 12, errorMs: 3 }), '+12 ms ± 3 ms')
  assert.equal(formatClock({ offsetMs: -1500, errorMs: 2 }), '−1.5 s ± 2 ms')
  const agent = (name: string, connected: boolean) =>
    ({ name, connected, labels: {}, addresses: [], maxRuns: 1, runs: [] }) as AgentInfo
  assert.deepEqual(
    sortAgents([agent('b', false), agent('c', true), agent('a', false), agent('a2', true)]).map(
      (a) => a.name
    ),
    ['a2', 'c', 'a', 'b']
  )
})
