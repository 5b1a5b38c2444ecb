/**
 * A load step drives a real local service; the journal records the history; the queue check
 * names each acknowledged-but-lost item and places it relative to the fault windows.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { workspace, type Workspace } from '../support/cli.js'
import { deriveResult } from '../../src/engine/result.js'
import { assertAllGone, launchedPids } from '../support/processes.js'

// A store that acknowledges every item; with LOSE_EVERY=n it silently drops every n-th one,
// the kind of bug a queue check exists to catch. GET /items lists what it kept.
const store = `import http from 'node:http'
const kept = []
let n = 0
const loseEvery = Number(process.env.LOSE_EVERY ?? 0)
http.createServer((req, res) => {
  if (req.method === 'GET') { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(kept)); return }
  let body = ''
  req.on('data', (d) => (body += d))
  req.on('end', () => {
    const { id } = JSON.parse(body)
    n++
    if (process.env.FAIL_FROM && n >= Number(process.env.FAIL_FROM)) { res.statusCode = 503; res.end('overloaded'); return }
    if (!(loseEvery && n % loseEvery === 0)) kept.push(id)
    res.statusCode = 201
    res.end(JSON.stringify({ id }))
  })
}).listen(Number(process.env.PORT), '127.0.0.1')
`

function manifest(name: string, loseEvery: number, extra = ''): string {
  return `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: ${name}
spec:
  hypothesis: every acknowledged item is stored
  system:
    services:
      - name: store
        command: node
        args: [store.mjs]
        env: { PORT: '{{ports.http}}', LOSE_EVERY: '${loseEvery}' }
        ports: { http: 0 }
        readiness: { tcp: '{{ports.http}}' }
  steps:
    - name: writes
      load:
        url: 'http://127.0.0.1:{{services.store.ports.http}}/items'
        method: POST
        headers: { content-type: application/json }
        body: '{"id": "{{uuid}}", "seq": {{seq}}}'
        id: '{{uuid}}'
        rate: 50
        duration: 2s
        thresholds:
          http_req_failed: ['rate<0.01']
          http_req_duration: ['p(99)<1000']
${extra}
  checks:
    - name: items-kept
      type: queue
      load: writes
      source: { http: { url: 'http://127.0.0.1:{{services.store.ports.http}}/items' } }
      drain: { timeout: 2s }
`
}

let ws: Workspace
before(() => {
  ws = workspace()
  ws.write('store.mjs', store)
})
after(() => ws.cleanup())

function run(name: string, yaml: string) {
  return ws.runManifest(name, yaml)
}

describe('load step and queue check', () => {
  test('nothing lost: the check passes, thresholds pass, score 100', async () => {
    const r = await run('kept', manifest('kept', 0))
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    const load = r.result!.loads[0]!.summary!
    assert.ok(Math.abs(load.requests - 100) <= 2, `about 50/s for 2 s: ${load.requests}`)
    assert.equal(load.thresholds.length, 2)
    const check = r.result!.checks[0]!
    assert.equal(check.verdict, 'Passed')
    assert.equal(check.lost, 0)
    assert.equal(r.result!.resilienceScore, 100)
    const ops = r.events.filter((e) => e.type === 'op')
    assert.equal(
      ops.filter((e) => e.op.type === 'invoke').length,
      load.requests,
      'every request is in the history'
    )
    assert.equal(ops.filter((e) => e.op.type === 'ok').length, load.ok)
    assert.deepEqual(deriveResult(r.events), r.result)
    assertAllGone(launchedPids(r.events))
  })

  test('a store that drops every 10th item: the check fails naming the lost ids, exit 1', async () => {
    const r = await run(
      'lossy',
      manifest(
        'lossy',
        10,
        `    - name: pause-store
      fault: { type: process-pause, target: { service: store }, duration: 100ms }
`
      )
    )
    assert.equal(r.exitCode, 1, r.stdout + r.stderr)
    const check = r.result!.checks[0]!
    assert.equal(check.verdict, 'Failed')
    const acknowledged = r.events.filter((e) => e.type === 'op' && e.op.type === 'ok').length
    assert.equal(
      check.lost,
      Math.floor(acknowledged / 10),
      `every 10th of ${acknowledged} acknowledged items`
    )
    const details = check.details!
    assert.equal(details.type, 'queue')
    const ids = new Set(
      r.events.flatMap((e) => (e.type === 'op' && e.op.type === 'ok' ? [e.op.value] : []))
    )
    assert.ok(
      details.lost.every((f) => ids.has(f.id)),
      'lost ids are acknowledged ids'
    )
    assert.ok(
      details.lost.every((f) => /^before "pause-store" at \+\d+\.\d s$/.test(f.window)),
      'the losses happened before the pause'
    )
    assert.match(r.stdout, /items-kept \(queue\) Failed/)
    assert.match(
      r.stdout,
      /lost:\n\s+[0-9a-f-]{36}: acknowledged at \+\d+\.\d s, before "pause-store" at \+\d+\.\d s, never delivered/
    )
    assert.match(r.result!.reason!, /check items-kept \(queue\) failed/)
    // The load step scores 2 of 3 (two thresholds pass, the check fails); the pause step 100.
    assert.equal(r.result!.resilienceScore, 83)
  })

  test('a set check reads while the load runs: stable when kept, lost when dropped', async () => {
    const setCheck = (name: string, loseEvery: number) =>
      manifest(name, loseEvery).replace(
        / {2}checks:[\s\S]*$/,
        `  checks:
    - name: items-visible
      type: set
      load: writes
      source: { http: { url: 'http://127.0.0.1:{{services.store.ports.http}}/items' } }
      readInterval: 200ms
      settle: 500ms
`
      )
    const kept = await run('set-kept', setCheck('set-kept', 0))
    assert.equal(kept.exitCode, 0, kept.stdout + kept.stderr)
    const keptDetails = kept.result!.checks[0]!.details!
    assert.equal(keptDetails.type, 'set')
    assert.equal(
      keptDetails.type === 'set' && keptDetails.stable,
      kept.result!.loads[0]!.summary!.ok
    )
    assert.ok(keptDetails.type === 'set' && keptDetails.stableLatencies !== null)

    const lossy = await run('set-lossy', setCheck('set-lossy', 7))
    assert.equal(lossy.exitCode, 1, lossy.stdout + lossy.stderr)
    const check = lossy.result!.checks[0]!
    assert.equal(check.verdict, 'Failed')
    assert.equal(check.lost, Math.floor(lossy.result!.loads[0]!.summary!.ok / 7))
  })

  test('an abort condition on the error rate stops the run, rolls back and names the condition', async () => {
    const started = Date.now()
    const yaml = manifest('abort', 0)
      .replace("LOSE_EVERY: '0' }", "LOSE_EVERY: '0', FAIL_FROM: '40' }")
      .replace('duration: 2s', 'duration: 60s')
      .replace(
        / {2}checks:[\s\S]*$/,
        `  abort:
    - { load: writes, metric: http_req_failed, threshold: 'rate<0.5', for: 2s }
`
      )
    const r = await run('abort', yaml)
    assert.equal(r.exitCode, 1, r.stdout + r.stderr)
    assert.ok(Date.now() - started < 30_000, 'did not run the whole 60 s load')
    assert.match(
      r.result!.reason!,
      /abort condition spec\.abort\[0\]: http_req_failed \d+(\.\d+)?% > 50% \(rate<0\.5\) in the last second, for 2 s in a row/
    )
    assertAllGone(launchedPids(r.events))
  })
})
