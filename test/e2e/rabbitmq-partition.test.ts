/**
 * The seed's split-brain scenario (issue 19 part 5) through the built CLI, on a real three-node
 * RabbitMQ cluster on three networks: the middle one is cut while a client on each side publishes
 * with confirms. With pause_minority the monitor holds (exit 0); with ignore it fails on split
 * brain (exit 1). Beside ordeal's verdict, the test reads RabbitMQ's own account in its log
 * (--verbose: the nodes' output) and the example client's count of what the queue really holds,
 * and checks that nothing of the run is left: namespaces, ledger entries, beam/epmd processes.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { repoRoot, workspace, type Workspace } from '../support/cli.js'
import { parseJournal } from '../../src/engine/journal.js'
import { ledgerFiles, pendingEntries } from '../../src/safety/ledger.js'
import { ordealNetworkObjects } from '../../src/platforms/local/network/stray.js'
import { netIdOf } from '../../src/platforms/local/network/names.js'
import { assertAllGone, launchedPids, processesMentioning } from '../support/processes.js'
import type { RunResult } from '../../src/engine/result.js'

const example = path.join(repoRoot, 'examples/rabbitmq-partition')

let ws: Workspace
before(() => {
  ws = workspace()
})
after(() => ws.cleanup())

async function runVariant(handling: 'ignore' | 'pause_minority') {
  const json = path.join(ws.dir, `${handling}.json`)
  const journal = path.join(ws.dir, `${handling}.ndjson`)
  const cli = await ws.run(
    [
      'run',
      path.join(example, 'experiment.yaml'),
      '--set',
      `HANDLING=${handling}`,
      '--verbose',
      '--json',
      json,
      '--journal',
      journal,
    ],
    { timeoutMs: 300_000 }
  )
  const run = {
    ...cli,
    result: JSON.parse(readFileSync(json, 'utf8')) as RunResult,
    events: parseJournal(readFileSync(journal, 'utf8')),
  }
  const created = run.events.find((e) => e.type === 'network.created')
  assert.ok(created?.type === 'network.created', 'the run created its hosts')
  assert.deepEqual(
    ordealNetworkObjects().filter((o) => netIdOf(o.name) === created.netId),
    [],
    'no namespace, veth or bridge left'
  )
  assert.deepEqual(ledgerFiles(path.join(ws.stateDir, 'ledgers')).flatMap(pendingEntries), [])
  assertAllGone(launchedPids(run.events))
  // beam.smp, epmd, erl_child_setup and the clients all name the run's directory.
  assert.deepEqual(processesMentioning(run.result.runId), [], 'no process of the run left')
  return run
}

function monitorOf(result: RunResult) {
  const m = result.monitors?.find((x) => x.name === 'one-cluster')
  assert.ok(m, JSON.stringify(result.monitors))
  return m
}

/** The drain's line: `lost=0 acked=612 a=640 c=640 other-side-only=0`. */
function drained(result: RunResult, events: ReturnType<typeof parseJournal>) {
  const probe = result.probes.find((p) => p.name === 'acked-present')
  assert.ok(probe, JSON.stringify(result.probes))
  const attempt = events.find(
    (e) => e.type === 'probe.attempt' && e.probeId === probe.id && e.value !== undefined
  )
  const line = attempt?.type === 'probe.attempt' ? String(attempt.value) : ''
  const m = /^lost=(\d+) acked=(\d+) a=(\d+) c=(\d+|unreadable) other-side-only=(\d+)/.exec(line)
  assert.ok(m, `drain output: ${line} (${probe.message})`)
  return { lost: Number(m[1]), acked: Number(m[2]), a: Number(m[3]), otherOnly: Number(m[5]) }
}

describe('rabbitmq partition example (the seed split-brain scenario)', () => {
  test('pause_minority: the minority pauses, one cluster again, nothing acknowledged lost', async () => {
    const r = await runVariant('pause_minority')
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    assert.equal(r.result.verdict, 'pass')
    const m = monitorOf(r.result)
    assert.equal(m.verdict, 'accept', m.reason)
    const path_ = m.transitions.map((t) => t.to)
    // Formed, lost its minority during the cut (c paused, not a second cluster), healed.
    assert.deepEqual(path_.slice(0, 1), ['joined'], path_.join(' → '))
    assert.ok(path_.includes('minority-down'), path_.join(' → '))
    assert.deepEqual(path_.slice(-3), ['healing', 'healed', 'accept'], path_.join(' → '))
    const d = drained(r.result, r.events)
    assert.equal(d.lost, 0)
    assert.ok(d.acked > 0 && d.a >= d.acked, JSON.stringify(d))
    // RabbitMQ's own account: node c saw it was in the minority and paused.
    assert.match(r.stdout + r.stderr, /\[rabbit-c-0\].*Cluster minority\/secondary status detected/)
  })

  test('ignore: both sides take writes to the same queue, the monitor fails on split brain', async () => {
    const r = await runVariant('ignore')
    assert.equal(r.exitCode, 1, r.stdout + r.stderr)
    assert.equal(r.result.verdict, 'fail')
    const m = monitorOf(r.result)
    assert.equal(m.verdict, 'fail')
    assert.match(m.reason ?? '', /split brain|within/)
    // The deciding observation: the nodes' views differed (c alone against a and b).
    const split = m.transitions.find((t) => t.to === 'split')
    assert.ok(split, m.transitions.map((t) => t.to).join(' → '))
    assert.match(split.observation ?? '', /split a=/)
    // What the queue holds: c's side kept messages a's side never had (two masters).
    const d = drained(r.result, r.events)
    assert.ok(d.otherOnly > 0, JSON.stringify(d))
    // RabbitMQ's own account: once they meet again, Mnesia reports that each side ran alone.
    assert.match(r.stdout + r.stderr, /inconsistent_database, running_partitioned_network/)
  })
})
