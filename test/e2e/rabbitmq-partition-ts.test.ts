/**
 * The split-brain example in its TypeScript form, from node:test through `ordeal/test`: the
 * experiment of examples/rabbitmq-partition/experiment.ts runs in this process on a real
 * three-node RabbitMQ cluster, and the seed's monitor rewritten with `monitor(...)` (monitor.ts)
 * judges it through the run's own monitor feed (`chaos.run(..., { monitors })`), which journals
 * its transitions and fails the run when it fails. pause_minority: the monitor accepts and so
 * does the run; ignore: the monitor fails on split brain. Needs root and rabbitmq-server, like
 * the YAML form's e2e.
 */
import { describe, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { chaos } from 'ordeal/test'
import type { JournalEvent } from 'ordeal'
import { repoRoot } from '../support/cli.js'
import { assertAllGone, launchedPids, processesMentioning } from '../support/processes.js'
import { ordealNetworkObjects } from '../../src/platforms/local/network/stray.js'
import { netIdOf } from '../../src/platforms/local/network/names.js'
import {
  monitorFor,
  rabbitmqPartition,
  type Handling,
} from '../../examples/rabbitmq-partition/experiment.js'

const example = path.join(repoRoot, 'examples/rabbitmq-partition')

/**
 * Runs one variant with the TypeScript monitor given to the run (`chaos.run(..., { monitors })`):
 * the run feeds it from system ready to the end of the steps, journals its transitions, puts it
 * in the result and fails when it fails, as it does for `spec.monitors`.
 */
async function runWithMonitor(handling: Handling, t: TestContext) {
  const events: JournalEvent[] = []
  // A failing variant is expected to fail: no per-step subtests for it (they would fail the
  // test), the test's signal still tears the system down if the test ends first.
  const result = await chaos.run(rabbitmqPartition({ handling }), {
    baseDir: example,
    allowFailure: true,
    monitors: [monitorFor({ handling })],
    onEvent: (e) => events.push(e),
    ...(handling === 'pause_minority' ? { t } : { signal: t.signal }),
  })
  // Nothing of the run left, checked from the system's side.
  const created = events.find((e) => e.type === 'network.created')
  assert.ok(created?.type === 'network.created')
  assert.deepEqual(
    ordealNetworkObjects().filter((o) => netIdOf(o.name) === created.netId),
    []
  )
  assertAllGone(launchedPids(events))
  assert.deepEqual(processesMentioning(result.runId), [], 'no beam, epmd or client left')
  // The run's own journal carries the monitor's transitions.
  const journaled = events.filter((e) => e.type === 'monitor.transition')
  const monitor = result.monitors?.find((m) => m.name === monitorFor({ handling }).name)
  assert.ok(monitor, 'the code monitor is in the result')
  assert.equal(journaled.length, monitor.transitions.length)
  return { result, transitions: monitor.transitions, verdict: monitor }
}

describe('rabbitmq partition, TypeScript form (ordeal/test + monitor(...))', () => {
  test('pause_minority: the TypeScript monitor accepts', { timeout: 300_000 }, async (t) => {
    const r = await runWithMonitor('pause_minority', t)
    assert.ok(r.verdict, 'the monitor ended')
    assert.equal(r.verdict.verdict, 'accept', r.verdict.reason)
    assert.equal(r.result.verdict, 'pass', r.result.reason)
    const states = r.transitions.map((x) => x.to)
    assert.deepEqual(states.slice(-3), ['healing', 'healed', 'accept'], states.join(' → '))
  })

  test('ignore: the TypeScript monitor fails on split brain', { timeout: 300_000 }, async (t) => {
    const r = await runWithMonitor('ignore', t)
    assert.ok(r.verdict, 'the monitor ended')
    assert.equal(r.verdict.verdict, 'fail')
    assert.match(r.verdict.reason ?? '', /split brain|within/)
    // A failed monitor fails the run, with its reason.
    assert.equal(r.result.verdict, 'fail')
    assert.match(r.result.reason ?? '', /split brain|within/)
    const split = r.transitions.find((x) => x.to === 'split')
    assert.ok(split, r.transitions.map((x) => x.to).join(' → '))
    assert.match(split.observation ?? '', /membership = split a=/)
  })
})
