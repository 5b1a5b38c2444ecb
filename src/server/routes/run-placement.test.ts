/**
 * `queueRun` never leaves a run `queued` without what it ships (review #9): when the bundle
 * cannot be stored, the run ends with the reason and the fleet never sees it.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ServerContext } from '../context.js'
import type { NewRun, RunEnd } from '../store/contract.js'
import type { RunSummary } from '../../shared/api.js'
import { queueRun } from './run-placement.js'

test('a bundle that cannot be stored ends the queued run and the error reaches the caller', async () => {
  const ends: Array<{ runId: string; end: RunEnd }> = []
  const placed: string[] = []
  const ctx = {
    store: {
      async createRun(run: NewRun): Promise<RunSummary> {
        return { ...run, experimentName: 'exp' } as unknown as RunSummary
      },
      async putBundle() {
        throw new Error('the bundle is 12 MB, over the 10 MB cap')
      },
      async endQueued(runId: string, end: RunEnd) {
        ends.push({ runId, end })
        return true
      },
    },
    fleet: {
      settings: { heartbeatMs: 5000, leaseMs: 30_000, queueTimeoutMs: 600_000 },
      place(run: RunSummary) {
        placed.push(run.id)
      },
    },
    log: () => undefined,
  } as unknown as ServerContext
  await assert.rejects(
    queueRun(ctx, {
      experiment: { id: 'exp_1', name: 'exp' },
      version: 1,
      placement: { agent: 'edge-1' },
      request: {},
      by: { id: 'usr_1', name: 'alice' } as never,
      bundle: { vars: { A: '1' }, data: 'QlVORExF' },
    }),
    /over the 10 MB cap/
  )
  assert.equal(ends.length, 1)
  assert.equal(ends[0]!.end.status, 'finished')
  assert.equal(ends[0]!.end.verdict, 'error')
  assert.equal(
    ends[0]!.end.reason,
    'not started: its files and variables could not be stored: the bundle is 12 MB, over the 10 MB cap'
  )
  assert.deepEqual(placed, [])
})
