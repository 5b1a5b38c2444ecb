/**
 * Defence in depth behind validation (issue 13): a step that throws at run time, here a load
 * whose URL the generator rejects (built by the TypeScript API, which skips the YAML checks),
 * ends the run in error with the message under that step, and never escapes as an internal
 * error.
 */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadExperimentText } from '../../../src/experiment/load.js'
import { runExperiment } from '../../../src/engine/runner.js'

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-step-error-'))
process.env['ORDEAL_STATE_DIR'] = stateDir
after(() => rmSync(stateDir, { recursive: true, force: true }))

test('a load step the generator rejects ends the run in error under that step', async () => {
  const experiment = loadExperimentText(
    `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: step-error }
spec:
  hypothesis: h
  probes:
    - { name: later, type: cmd, mode: EOT, command: 'true' }
  steps:
    - serial:
        - name: orders
          load: { url: 'http://127.0.0.1:1/', rate: 1, duration: 1s }
        - name: after
          wait: 10ms
`,
    path.join(os.tmpdir(), 'step-error.yaml')
  )
  const root = experiment.root
  const group = root.kind === 'serial' ? root.children[0] : undefined
  const load = group?.kind === 'serial' ? group.children[0] : undefined
  assert.ok(load?.kind === 'load')
  load.load = { ...load.load, url: 'http://127.0.0.1:{{services.front.ports.htp}}/' }

  const result = await runExperiment(experiment)
  assert.equal(result.verdict, 'error')
  assert.match(result.reason!, /^step "orders" failed: url: unknown template variable/)
  const steps = Object.fromEntries(result.steps.map((s) => [s.name, [s.status, s.error]]))
  assert.deepEqual(steps['orders'], [
    'error',
    'url: unknown template variable {{services.front.ports.htp}}',
  ])
  assert.deepEqual(steps['after'], ['not-run', undefined])
  assert.equal(steps['step-error']![0], 'aborted')
  assert.deepEqual(
    result.probes.map((p) => [p.name, p.verdict, p.message]),
    [['later', 'N/A', 'not run: the run stopped before it was evaluated']]
  )
})
