/**
 * The quickstart holds (exit 0) and its no-retries variant is disproved (exit 1) naming the
 * probe that saw users fail; the JSON result is exactly what the journal derives.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { repoRoot, workspace, type Workspace } from '../support/cli.js'
import { parseJournal } from '../../src/engine/journal.js'
import { deriveResult, type RunResult } from '../../src/engine/result.js'
import { assertAllGone, launchedPids } from '../support/processes.js'

let ws: Workspace
before(() => {
  ws = workspace()
})
after(() => ws.cleanup())

test('quickstart holds: exit 0, score 100, reports written, nothing left running', async () => {
  const json = path.join(ws.dir, 'result.json')
  const junit = path.join(ws.dir, 'junit.xml')
  const journal = path.join(ws.dir, 'journal.ndjson')
  const r = await ws.run([
    'run',
    path.join(repoRoot, 'examples/quickstart/experiment.yaml'),
    '--json',
    json,
    '--junit',
    junit,
    '--journal',
    journal,
  ])
  assert.equal(r.exitCode, 0, r.stdout + r.stderr)
  const result = JSON.parse(readFileSync(json, 'utf8')) as RunResult
  assert.equal(result.verdict, 'pass')
  assert.equal(result.resilienceScore, 100)
  assert.ok(result.faults[0]!.actions.length >= 2, 'killed repeatedly')
  assert.ok(
    result.probes.every((p) => p.verdict === 'Passed'),
    JSON.stringify(result.probes)
  )
  const events = parseJournal(readFileSync(journal, 'utf8'))
  assert.deepEqual(deriveResult(events), result, 'the result is derived from the journal alone')
  const restarts = events.filter((e) => e.type === 'service.started' && e.service === 'api').length
  assert.ok(restarts >= 4, `killed replicas were re-created (${restarts} api starts)`)
  const xml = readFileSync(junit, 'utf8')
  assert.match(
    xml,
    /<testcase classname="quickstart.kill-api-replicas" name="users-get-items \(http, Continuous\)"\/>/
  )
  assertAllGone(launchedPids(events))
  assert.match(r.stdout, /quickstart: PASS\s+resilience score 100/)
})

test('the no-retries variant is disproved: exit 1 naming the failed probe', async () => {
  const json = path.join(ws.dir, 'variant.json')
  const journal = path.join(ws.dir, 'variant.ndjson')
  const r = await ws.run([
    'run',
    path.join(repoRoot, 'examples/quickstart/experiment-no-retries.yaml'),
    '--json',
    json,
    '--journal',
    journal,
  ])
  assert.equal(r.exitCode, 1, r.stdout + r.stderr)
  const result = JSON.parse(readFileSync(json, 'utf8')) as RunResult
  assert.equal(result.verdict, 'fail')
  assert.match(result.reason!, /probe users-get-items \(Continuous\) failed: .*502/)
  assert.match(r.stdout, /FAIL/)
  assert.match(r.stdout, /users-get-items.*Failed/)
  assert.ok(result.resilienceScore < 100)
  assertAllGone(launchedPids(parseJournal(readFileSync(journal, 'utf8'))))
})
