/**
 * `ordeal/test`'s chaos.run in this very test runner (issue 19 §3): the result comes back, a
 * verdict other than pass is an AssertionError carrying the run's reason, and a test that ends
 * early (Vitest's onTestFinished, a timeout) tears the system down through its signal.
 */
import { after, test } from 'node:test'
import assert, { AssertionError } from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { chaos } from '../../../src/test-api/index.js'
import { defineExperiment } from '../../../src/experiment/define.js'
import type { JournalEvent } from '../../../src/engine/events.js'
import { processState } from '../../../src/safety/proc.js'
import { waitUntil } from '../../support/fault-proc.js'

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-chaos-run-'))
process.env['ORDEAL_STATE_DIR'] = stateDir
after(() => rmSync(stateDir, { recursive: true, force: true }))

const experiment = (probeCommand: string, wait = '100ms') =>
  defineExperiment({
    apiVersion: 'ordeal.dev/v1',
    kind: 'Experiment',
    metadata: { name: 'chaos-run' },
    spec: {
      hypothesis: 'h',
      deadline: '1m',
      system: {
        services: [{ name: 'app', command: 'node', args: ['-e', 'setInterval(() => {}, 1000)'] }],
      },
      steps: [
        {
          name: 'hold',
          wait,
          probes: [{ name: 'check', type: 'cmd', mode: 'EOT', command: probeCommand }],
        },
      ],
    },
  })

test('a passing experiment: the result, and each step as a subtest', async (t) => {
  const result = await chaos.run(experiment('true'), { t, baseDir: stateDir })
  assert.equal(result.verdict, 'pass')
  assert.equal(result.steps.find((s) => s.name === 'hold')?.status, 'ok')
})

test('a failing experiment: an AssertionError whose message is the reason', async () => {
  const error = await chaos.run(experiment('false'), { baseDir: stateDir }).then(
    () => assert.fail('passed'),
    (e: unknown) => e
  )
  assert.ok(error instanceof AssertionError)
  assert.match(error.message, /^probe check \(EOT\) failed: /)
  assert.equal(error.actual, 'fail')
  const result = await chaos.run(experiment('false'), { baseDir: stateDir, allowFailure: true })
  assert.equal(result.verdict, 'fail')
})

test('the test ending (its signal) stops the run and tears the system down', async () => {
  const controller = new AbortController()
  let pid = 0
  const started = Date.now()
  const run = chaos.run(experiment('true', '60s'), {
    baseDir: stateDir,
    signal: controller.signal,
    onEvent: (e: JournalEvent) => {
      if (e.type === 'step.started' && e.stepId === 'run.0') {
        controller.abort() // what onTestFinished or a timeout does
      }
      if (e.type === 'service.started') {
        pid = e.pid
      }
    },
  })
  await assert.rejects(run, /the test ended before the experiment/)
  assert.ok(Date.now() - started < 30_000, 'the 60 s wait did not run out')
  await waitUntil('the service gone', () => processState(pid) === undefined)
})
