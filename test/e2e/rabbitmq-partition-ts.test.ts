/**
 * The split-brain example in its TypeScript form, from node:test through `ordeal/test`: the
 * experiment of examples/rabbitmq-partition/experiment.ts runs in this process on a real
 * three-node RabbitMQ cluster, and the seed's monitor rewritten with `monitor(...)` (monitor.ts)
 * judges it, fed the run's journal as it happens (probe attempts by name, fault.reverted) through
 * a MonitorFeed. pause_minority: the monitor accepts and so does the run; ignore: the monitor
 * fails on split brain. Needs root and rabbitmq-server, like the YAML form's e2e.
 */
import { describe, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { chaos } from 'ordeal/test'
import { MonitorFeed, type JournalEvent } from 'ordeal'
import { repoRoot } from '../support/cli.js'
import { assertAllGone, launchedPids, processesMentioning } from '../support/processes.js'
import { ordealNetworkObjects } from '../../src/platforms/local/network/stray.js'
import { netIdOf } from '../../src/platforms/local/network/names.js'
import type { TransitionRecord } from '../../src/monitors/contract.js'
import {
  monitorFor,
  rabbitmqPartition,
  type Handling,
} from '../../examples/rabbitmq-partition/experiment.js'

const example = path.join(repoRoot, 'examples/rabbitmq-partition')

/**
 * Runs one variant with the TypeScript monitor attached to its journal. The feed starts at
 * system ready and stops when the steps are over (the last probe, the drain, has run), as a
 * run's own monitors do.
 */
async function runWithMonitor(handling: Handling, t: TestContext) {
  const transitions: TransitionRecord[] = []
  const ended: { verdict: string; reason: string }[] = []
  const events: JournalEvent[] = []
  const probeNames = new Map<string, string>()
  let feed: MonitorFeed | undefined
  const onEvent = (e: JournalEvent) => {
    events.push(e)
    if (e.type === 'run.started') {
      for (const step of e.plan) {
        step.probes.forEach((p) => probeNames.set(p.id, p.name))
      }
    }
    if (e.type === 'system.ready') {
      feed = new MonitorFeed({
        monitors: [monitorFor({ handling })],
        probeNames,
        emit: (body) => {
          if (body.type === 'monitor.transition') {
            transitions.push(body.transition)
          } else if (body.type === 'monitor.ended') {
            ended.push({ verdict: body.verdict, reason: body.reason })
          }
        },
      })
      feed.start()
    }
    feed?.onEvent(e)
  }
  // A failing variant is expected to fail: no per-step subtests for it (they would fail the
  // test), the test's signal still tears the system down if the test ends first.
  const result = await chaos.run(rabbitmqPartition({ handling }), {
    baseDir: example,
    allowFailure: true,
    onEvent,
    ...(handling === 'pause_minority' ? { t } : { signal: t.signal }),
  })
  await feed?.stop()
  // Nothing of the run left, checked from the system's side.
  const created = events.find((e) => e.type === 'network.created')
  assert.ok(created?.type === 'network.created')
  assert.deepEqual(
    ordealNetworkObjects().filter((o) => netIdOf(o.name) === created.netId),
    []
  )
  assertAllGone(launchedPids(events))
  assert.deepEqual(processesMentioning(result.runId), [], 'no beam, epmd or client left')
  return { result, transitions, verdict: ended[0] }
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
    assert.match(r.verdict.reason, /split brain|within/)
    const split = r.transitions.find((x) => x.to === 'split')
    assert.ok(split, r.transitions.map((x) => x.to).join(' → '))
    assert.match(split.observation ?? '', /membership = split a=/)
  })
})
