import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EXIT_CODES } from '../../engine/result.js'
import type { RunSummary } from '../../shared/api.js'
import { notStarted } from './run-placed.js'

const run = (extra: Partial<RunSummary>): RunSummary =>
  ({ id: 'r1', startedAt: '2026-01-01T00:00:00.000Z', source: 'agent', ...extra }) as RunSummary
const exp = { name: 'x', hypothesis: 'h' }

test('a queue timeout is an error result with its reason: exit 3, as design §4 says', () => {
  const reason =
    'not started: no agent named edge-1 was connected and free within 10m (queue timeout)'
  const r = notStarted(run({ status: 'finished', verdict: 'error', reason }), exp)
  assert.equal(r.verdict, 'error')
  assert.equal(r.reason, reason)
  assert.equal(EXIT_CODES[r.verdict], 3)
  assert.deepEqual([r.steps, r.probes, r.faults], [[], [], []])
})

test('a run cancelled while queued is interrupted: exit 130', () => {
  const r = notStarted(run({ status: 'cancelled', reason: 'cancelled by alice while queued' }), exp)
  assert.equal(r.verdict, 'interrupted')
  assert.equal(EXIT_CODES[r.verdict], 130)
  assert.equal(r.experiment, 'x')
})
