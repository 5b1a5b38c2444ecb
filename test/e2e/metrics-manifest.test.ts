/**
 * A backlog check naming a metric that is not declared: `ordeal run` refuses the manifest with
 * one line naming file:line and field, exit 2, and starts nothing.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { workspace, type Workspace } from '../support/cli.js'

let ws: Workspace
before(() => (ws = workspace()))
after(() => ws.cleanup())

test('an undeclared metric: file:line and field, exit 2, nothing started', async () => {
  const file = ws.write(
    'bad.yaml',
    `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: bad }
spec:
  hypothesis: h
  system:
    services:
      - { name: app, command: sleep, args: ['60'], ports: { http: 0 } }
  metrics:
    - name: queue-depth
      prometheus: { url: 'http://127.0.0.1:9', query: 'sum(x)' }
  steps:
    - name: pause
      fault: { type: process-pause, target: { service: app }, duration: 1s }
  checks:
    - name: drains
      type: backlog
      metric: queue-dept
      below: 100
      within: 10s
`
  )
  const r = await ws.run(['run', file])
  assert.equal(r.exitCode, 2, r.stdout + r.stderr)
  assert.match(
    r.stderr,
    /bad\.yaml:18: spec\.checks\[0\]\.metric: no metric named 'queue-dept' in spec\.metrics \(did you mean 'queue-depth'\?\)/
  )
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace')
  assert.doesNotMatch(r.stdout, /system ready|app-0/)
})
