import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Probe } from '../experiment/model.js'
import type { ProbeOutcome } from '../probes/contract.js'
import { evaluateProbe } from './probe-check.js'

function probe(run: Partial<Probe['run']>): Probe {
  return {
    id: 'run/p',
    name: 'p',
    type: 'http',
    mode: 'SOT',
    params: { type: 'http', url: 'http://198.18.0.1/' } as never,
    run: {
      timeoutMs: 1_000,
      intervalMs: 1,
      attempts: 1,
      pollingIntervalMs: 1,
      initialDelayMs: 0,
      stopOnFailure: false,
      ...run,
    },
  }
}

describe('evaluateProbe with a check that runs elsewhere', () => {
  test('the check replaces the driver; attempts still apply here', async () => {
    const outcomes: ProbeOutcome[] = [
      { passed: false, message: 'refused' },
      { passed: true, message: '200' },
    ]
    const seen: ProbeOutcome[] = []
    let calls = 0
    const outcome = await evaluateProbe(probe({ attempts: 3 }), {
      vars: () => ({}),
      baseDir: '/',
      signal: new AbortController().signal,
      onAttempt: (o) => seen.push(o),
      check: () => Promise.resolve(outcomes[calls++]!),
    })
    assert.deepEqual(outcome, { passed: true, message: '200' })
    assert.equal(calls, 2)
    assert.deepEqual(seen, outcomes)
  })

  test('a check that never answers fails at the probe timeout; one that throws fails', async () => {
    const env = {
      vars: () => ({}),
      baseDir: '/',
      signal: new AbortController().signal,
      onAttempt: () => undefined,
    }
    const hung = await evaluateProbe(probe({ timeoutMs: 30 }), {
      ...env,
      check: () => new Promise<ProbeOutcome>(() => undefined),
    })
    assert.deepEqual(hung, { passed: false, message: 'timed out after 30ms' })
    const thrown = await evaluateProbe(probe({}), {
      ...env,
      check: () => Promise.reject(new Error('agent edge-1 (a) could not probe: lost')),
    })
    assert.deepEqual(thrown, {
      passed: false,
      message: 'probe error: agent edge-1 (a) could not probe: lost',
    })
  })
})
