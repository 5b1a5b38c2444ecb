/**
 * The etcd partition example through the built CLI, on a real three-node etcd cluster: the
 * honest client holds (exit 0, the set check valid, nothing lost), the weakened client that
 * acknowledges writes etcd never committed is caught by the set check (exit 1, lost > 0).
 * Either way no namespace, link, rule, ledger entry or process of the run is left.
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

const example = path.join(repoRoot, 'examples/etcd-partition')

let ws: Workspace
before(() => {
  ws = workspace()
})
after(() => ws.cleanup())

/** Runs an example manifest in place (its writer and script are beside it). */
async function runExample(file: string, name: string) {
  const json = path.join(ws.dir, `${name}.json`)
  const journal = path.join(ws.dir, `${name}.ndjson`)
  const cli = await ws.run(['run', path.join(example, file), '--json', json, '--journal', journal])
  const run = {
    ...cli,
    result: JSON.parse(readFileSync(json, 'utf8')) as RunResult,
    events: parseJournal(readFileSync(journal, 'utf8')),
  }
  // Cleanup, checked from the system's side rather than from ordeal's report; other test files
  // create their own namespaces concurrently, so look for this run's names only.
  const created = run.events.find((e) => e.type === 'network.created')
  assert.ok(created?.type === 'network.created', 'the run created its hosts')
  assert.deepEqual(
    ordealNetworkObjects().filter((o) => netIdOf(o.name) === created.netId),
    [],
    'no namespace, veth or bridge left'
  )
  assert.deepEqual(ledgerFiles(path.join(ws.stateDir, 'ledgers')).flatMap(pendingEntries), [])
  assertAllGone(launchedPids(run.events))
  assert.deepEqual(processesMentioning(run.result.runId), [], 'no process of the run left')
  return run
}

function setCheck(result: RunResult) {
  const check = result.checks.find((c) => c.name === 'no-acknowledged-write-lost')
  assert.ok(check, JSON.stringify(result.checks))
  return check
}

describe('etcd partition example', () => {
  test('honest client: exit 0, the majority takes over, nothing acknowledged lost', async () => {
    const r = await runExample('experiment.yaml', 'honest')
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    assert.equal(r.result.verdict, 'pass')
    assert.equal(r.result.resilienceScore, 100)
    assert.ok(
      r.result.probes.every((p) => p.verdict === 'Passed'),
      JSON.stringify(r.result.probes)
    )
    const check = setCheck(r.result)
    assert.equal(check.verdict, 'Passed', check.message)
    assert.equal(check.lost, 0)
    assert.ok(check.details?.type === 'set' && check.details.stable > 0, check.message)
    // The partition did refuse some writes: the honest client said so instead of acking them.
    assert.ok(r.result.loads[0]!.summary!.failed > 0, JSON.stringify(r.result.loads[0]!.summary))
  })

  test('weakened client (acks what etcd refused): the set check reports lost writes', async () => {
    const r = await runExample('experiment-weakened.yaml', 'weakened')
    assert.equal(r.exitCode, 1, r.stdout + r.stderr)
    assert.equal(r.result.verdict, 'fail')
    // etcd itself behaved: only the client's acknowledgements are wrong.
    assert.ok(
      r.result.probes.every((p) => p.verdict === 'Passed'),
      JSON.stringify(r.result.probes)
    )
    const check = setCheck(r.result)
    assert.equal(check.verdict, 'Failed', check.message)
    assert.ok(check.lost > 0, check.message)
    assert.match(r.stdout, /check no-acknowledged-write-lost \(set\): lost [1-9]/)
  })
})
