/**
 * Words for people, through the real CLI: a run whose steps have no names and whose load
 * threshold fails reads in names and units everywhere a person looks (terminal, JSON reason,
 * JUnit), and the failed threshold names the statuses behind it, when, and the fault.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { workspace, type Workspace } from '../support/cli.js'
import { assertAllGone, launchedPids } from '../support/processes.js'

// Answers 201, then 503 from the FAIL_FROM-th request on: an overloaded service.
const store = `import http from 'node:http'
let n = 0
http.createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    n++
    res.statusCode = n >= Number(process.env.FAIL_FROM) ? 503 : 201
    res.end()
  })
}).listen(Number(process.env.PORT), '127.0.0.1')
`

const manifest = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: words
spec:
  hypothesis: the store keeps answering
  system:
    services:
      - name: store
        command: node
        args: [store.mjs]
        env: { PORT: '{{ports.http}}', FAIL_FROM: '30' }
        ports: { http: 0 }
        readiness: { tcp: '{{ports.http}}' }
  steps:
    - parallel:
        - load:
            url: 'http://127.0.0.1:{{services.store.ports.http}}/items'
            method: POST
            rate: 50
            duration: 2s
            thresholds:
              http_req_failed: ['rate<0.01']
        - serial:
            - wait: 300ms
            - fault: { type: process-pause, target: { service: store }, duration: 300ms }
`

let ws: Workspace
before(() => {
  ws = workspace()
  ws.write('store.mjs', store)
})
after(() => ws.cleanup())

test('no internal ids, units on figures, and a failed threshold that names its 503s and the fault', async () => {
  const junit = path.join(ws.dir, 'words.xml')
  const r = await ws.runManifest('words', manifest, ['--junit', junit])
  assert.equal(r.exitCode, 1, r.stdout + r.stderr)
  const result = r.result!
  const xml = readFileSync(junit, 'utf8')

  assert.deepEqual(
    result.steps.map((s) => s.name),
    [
      'words',
      'parallel group of 2 steps',
      'load POST 50/s',
      'serial: wait 300ms, then process-pause of store',
      'wait 300ms',
      'process-pause of store',
    ]
  )
  const reason =
    /^threshold of "load POST 50\/s" failed: http_req_failed \d+(\.\d+)?% > 1% \(rate<0\.01\): \d+ × 503 between \+\d+\.\d s and \+\d+\.\d s, (during|after) "process-pause of store" \(\+\d+\.\d s\.\.\+\d+\.\d s\)$/
  assert.match(result.reason!, reason)
  const why = result.loads[0]!.failedThresholds![0]!.reason
  assert.ok(result.reason!.endsWith(why))
  assert.ok(r.stdout.includes(why), r.stdout)
  assert.ok(xml.includes(why.replace('>', '&gt;').replace('<', '&lt;')), xml)

  for (const [where, text] of [
    ['stdout', r.stdout],
    ['junit', xml],
    ['reason', result.reason!],
  ] as const) {
    assert.doesNotMatch(text, /\brun\.\d|parallel \d|serial \d|see fault\./, where)
    assert.doesNotMatch(text, /observed \d+\.\d{3}/, where)
  }
  assert.match(r.stdout, /resilience score \d+(\.\d\d?)?\b/)
  assert.match(r.stdout, /process-pause of store +\+\d+\.\d s → \+\d+\.\d s/)
  assertAllGone(launchedPids(r.events))
})
