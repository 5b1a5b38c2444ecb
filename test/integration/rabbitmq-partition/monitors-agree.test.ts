/**
 * The example's monitor in its two forms, experiment.yaml's `spec.monitors` (compiled as a run
 * compiles it) and monitor.ts's `oneCluster()` (the TypeScript rewrite of the seed's monitor),
 * take the same path and reach the same verdict on any sequence of observations: fast-check
 * draws the sequences (the words observe.mjs prints, the heal, the last probes) and their times,
 * with an injected clock. Plus the two stories of the README, written out.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import fc from 'fast-check'
import { loadExperimentFile } from '../../../src/experiment/load.js'
import { compileMonitor } from '../../../src/monitors/compile.js'
import type { MonitorDef } from '../../../src/monitors/contract.js'
import type { Observation } from '../../../src/monitors/observation.js'
import { oneCluster } from '../../../examples/rabbitmq-partition/monitor.js'
import { repoRoot } from '../../support/cli.js'

const manifest = path.join(repoRoot, 'examples/rabbitmq-partition/experiment.yaml')

async function yamlMonitor(): Promise<MonitorDef<Observation>> {
  const experiment = await loadExperimentFile(manifest)
  const spec = experiment.monitors?.find((m) => m.name === 'one-cluster')
  assert.ok(spec, 'experiment.yaml declares one-cluster')
  return compileMonitor(spec)
}

const probe = (name: string, value: string, passed = true): Observation => ({
  kind: 'probe',
  name,
  passed,
  value,
  message: value,
})
const views = {
  one: 'a=a,b,c b=a,b,c c=a,b,c',
  split: 'a=a,b b=a,b c=c',
  degraded: 'a=a,b b=a,b c=-',
  none: 'a=- b=- c=-',
}
const membership = (word: keyof typeof views) => probe('membership', `${word} ${views[word]}`)
const writes = (word: 'both' | 'left' | 'right' | 'none') =>
  probe('writes', `${word} left=${word === 'right' || word === 'none' ? 0 : 20} right=3`)
const reverted: Observation = {
  kind: 'event',
  name: 'fault.reverted',
  fields: { faultType: 'network-partition' },
}
const healedProbe = (passed: boolean) => probe('cluster-healed', passed ? 'one' : 'split', passed)
const acked = (passed: boolean) =>
  probe('acked-present', passed ? 'lost=0 acked=10 a=10' : 'lost=2 acked=10 a=8', passed)
const unrelated: Observation = { kind: 'event', name: 'step.started', fields: { name: 'x' } }

// Weighted towards what a run mostly sees (the polled membership and writes), so that the
// paths through split, minority-down and healing are drawn often.
const observation = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom('one', 'split', 'degraded', 'none').map((w) => membership(w)),
  },
  { weight: 3, arbitrary: fc.constantFrom('both', 'left', 'right', 'none').map((w) => writes(w)) },
  { weight: 1, arbitrary: fc.constant(reverted) },
  { weight: 1, arbitrary: fc.boolean().map(healedProbe) },
  { weight: 1, arbitrary: fc.boolean().map(acked) },
  { weight: 1, arbitrary: fc.constant(unrelated) }
)

/** Feeds both forms the same timed sequence; returns each one's states and verdict. */
function replay(def: MonitorDef<Observation>, steps: [Observation, number][], end: number) {
  const m = def.start(0)
  let t = 0
  for (const [o, dt] of steps) {
    t += dt
    m.observe(o, t)
  }
  m.finish(t + end)
  return {
    path: m.transitions.map((r) => `${r.from}>${r.to}:${r.trigger}`),
    verdict: m.verdict?.verdict,
    reason: m.verdict?.reason,
  }
}

describe('rabbitmq-partition: the YAML monitor and its TypeScript rewrite', () => {
  it('take the same transitions and verdict on any observations (fast-check)', async () => {
    const yaml = await yamlMonitor()
    const ts = oneCluster()
    fc.assert(
      fc.property(
        fc.array(fc.tuple(observation, fc.integer({ min: 0, max: 20_000 })), { maxLength: 40 }),
        fc.integer({ min: 0, max: 60_000 }),
        (steps, end) => {
          assert.deepEqual(replay(ts, steps, end), replay(yaml, steps, end))
        }
      ),
      { numRuns: 2000 }
    )
  })

  it('pause_minority: formed, the minority paused, healed, nothing lost: accept', async () => {
    for (const def of [await yamlMonitor(), oneCluster()]) {
      const r = replay(
        def,
        [
          [membership('one'), 20_000],
          [writes('both'), 500],
          [membership('split'), 5_000], // c noticed the cut a moment before pausing
          [membership('degraded'), 500],
          [writes('left'), 500],
          [reverted, 10_000],
          [membership('one'), 12_000],
          [acked(true), 3_000],
        ],
        100
      )
      assert.equal(r.verdict, 'accept', `${def.name}: ${r.reason}`)
    }
  })

  it('ignore: both sides confirm writes while split: fail, naming split brain', async () => {
    for (const def of [await yamlMonitor(), oneCluster()]) {
      const r = replay(
        def,
        [
          [membership('one'), 20_000],
          [membership('split'), 8_000],
          [writes('both'), 1_000],
        ],
        100
      )
      assert.equal(r.verdict, 'fail')
      assert.match(r.reason ?? '', /^split brain: both sides confirmed writes/)
    }
  })

  it('ignore, no write on one side: still fails when the views differ longer than T', async () => {
    for (const def of [await yamlMonitor(), oneCluster()]) {
      const r = replay(
        def,
        [
          [membership('one'), 20_000],
          [membership('split'), 8_000],
          [writes('left'), 1_000],
          [membership('split'), 8_000], // 9 s after the split: T (8 s) has passed
        ],
        100
      )
      assert.equal(r.verdict, 'fail')
      assert.match(r.reason ?? '', /split.*8s/)
    }
  })
})
