/**
 * Script steps of the TypeScript form (issue 19 §1) against a real process: a fault a script
 * injects is a real SIGSTOP (seen in /proc), journaled and counted like a YAML fault, and undone
 * when its handle reverts it, when the script throws, and when the run is aborted (Ctrl+C).
 */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { defineExperiment, resolve } from '../../../src/experiment/define.js'
import type { ScriptFunction } from '../../../src/experiment/script-types.js'
import { startRun } from '../../../src/engine/runner.js'
import type { JournalEvent } from '../../../src/engine/events.js'
import { processState } from '../../../src/safety/proc.js'
import { waitUntil } from '../../support/fault-proc.js'

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-script-step-'))
process.env['ORDEAL_STATE_DIR'] = stateDir
after(() => rmSync(stateDir, { recursive: true, force: true }))

const running = (pid: number) => ['S', 'R'].includes(processState(pid) ?? '')

/** One service `app` (a node process that idles) and one script step. */
function experimentWith(script: ScriptFunction<'app'>) {
  return resolve(
    defineExperiment({
      apiVersion: 'ordeal.dev/v1',
      kind: 'Experiment',
      metadata: { name: 'script-step' },
      spec: {
        hypothesis: 'h',
        deadline: '1m',
        system: {
          services: [{ name: 'app', command: 'node', args: ['-e', 'setInterval(() => {}, 1000)'] }],
        },
        steps: [{ name: 'pause-app', run: script }],
      },
    }),
    { baseDir: stateDir }
  )
}

/** Starts the run; `pid()` is the app's pid from the journal once it started. */
function start(experiment: ReturnType<typeof experimentWith>, onEvent?: (e: JournalEvent) => void) {
  let appPid: number | undefined
  const run = startRun(experiment, {
    onEvent: (e) => {
      if (e.type === 'service.started') {
        appPid = e.pid
      }
      onEvent?.(e)
    },
  })
  return { run, pid: () => appPid! }
}

test('a fault of a script is a real fault: injected, noted, reverted early, in the result', async () => {
  const seen: string[] = []
  const { run, pid } = start(
    experimentWith(async ({ fault, note, observe, wait }) => {
      const paused = await fault.pause('app', '30s')
      await waitUntil('app stopped', () => processState(pid()) === 'T')
      seen.push(`stopped ${paused.id}`)
      note('app paused')
      observe('paused', true)
      await wait('50ms')
      await paused.revert()
      await waitUntil('app running', () => running(pid()))
      seen.push('running')
    })
  )
  const result = await run.result
  assert.equal(result.verdict, 'pass', result.reason)
  assert.deepEqual(seen, ['stopped run.0/fault.1', 'running'])
  const events = run.journal.events
  const types = events
    .filter(
      (e) =>
        (e.type.startsWith('fault.') && e.type !== 'fault.action') ||
        e.type === 'script.note' ||
        e.type === 'observation'
    )
    .map((e) => e.type)
  assert.deepEqual(types.slice(0, 1), ['fault.injected'])
  assert.ok(types.includes('script.note') && types.includes('observation'))
  assert.equal(types.at(-1), 'fault.reverted')
  const note = events.find((e) => e.type === 'script.note')
  assert.deepEqual(note && 'text' in note && [note.stepId, note.text], ['run.0', 'app paused'])
  const observation = events.find((e) => e.type === 'observation')
  assert.deepEqual(observation && 'value' in observation && [observation.name, observation.value], [
    'paused',
    true,
  ])
  // Counted like a YAML fault: under its step, with its window, reverted before its 30 s.
  assert.equal(result.faults.length, 1)
  const [f] = result.faults
  assert.deepEqual(
    [f!.id, f!.stepId, f!.type, f!.name],
    ['run.0/fault.1', 'run.0', 'process-pause', 'pause-app']
  )
  assert.ok(f!.injectedAt && f!.revertedAt)
  assert.ok(Date.parse(f!.revertedAt) - Date.parse(f!.injectedAt) < 10_000)
  const step = result.steps.find((s) => s.id === 'run.0')
  assert.deepEqual([step?.kind, step?.status, step?.score], ['script', 'ok', 100])
  // Every undo done: the run's ledger is gone.
  assert.equal(existsSync(run.ledger.file), false)
})

test('a script that throws: its fault is undone, the step and the run end in error', async () => {
  let stoppedPid = 0
  let resumedSeen = false
  const { run, pid } = start(
    experimentWith(async ({ fault }) => {
      await fault.pause('app', '30s')
      await waitUntil('app stopped', () => processState(pid()) === 'T')
      stoppedPid = pid()
      throw new Error('the check after the pause failed')
    }),
    (e) => {
      if (e.type === 'fault.reverted') {
        // Observed as the revert is journaled, before the system is torn down.
        resumedSeen = running(stoppedPid)
      }
    }
  )
  const result = await run.result
  assert.equal(result.verdict, 'error')
  assert.match(result.reason!, /step "pause-app" failed: the check after the pause failed/)
  assert.ok(resumedSeen, 'the app was running again when the revert was journaled')
  assert.equal(existsSync(run.ledger.file), false)
})

test('an aborted run (Ctrl+C) reverts what the script injected', async () => {
  let stoppedPid = 0
  let resumedSeen = false
  const { run, pid } = start(
    experimentWith(async ({ fault, wait }) => {
      await fault.pause('app', '45s')
      await waitUntil('app stopped', () => processState(pid()) === 'T')
      stoppedPid = pid()
      run.abort('signal', 'interrupted (SIGINT)')
      await wait('45s') // rejects at once: the run is stopping
    }),
    (e) => {
      if (e.type === 'fault.reverted') {
        resumedSeen = running(stoppedPid)
      }
    }
  )
  const started = Date.now()
  const result = await run.result
  assert.equal(result.verdict, 'interrupted')
  assert.ok(resumedSeen, 'the app was running again when the revert was journaled')
  assert.ok(Date.now() - started < 30_000, 'the 45 s hold ended at the abort')
  assert.equal(existsSync(run.ledger.file), false)
})

test('a fault a script cannot inject rejects in the script with the reason', async () => {
  const errors: string[] = []
  const { run } = start(
    experimentWith(async ({ fault }) => {
      await fault({ type: 'process-pause', target: { service: 'app' }, duration: 'soon' }).catch(
        (e: Error) => errors.push(e.message)
      )
      // The name is checked by the type system; from JavaScript, at injection.
      await fault.pause('nope' as 'app', '1s').catch((e: Error) => errors.push(e.message))
    })
  )
  const result = await run.result
  assert.match(errors[0]!, /^fault: duration: must be a duration/)
  assert.match(errors[1]!, /^fault process-pause could not be injected: inject failed: .*nope/)
  // A fault that was never injected is an error of the run, as in YAML.
  assert.equal(result.verdict, 'error')
})

test('a call the script does not await: a bad fault fails the step, not the runner', async () => {
  const { run } = start(
    experimentWith(async ({ fault, wait }) => {
      // Not awaited: its rejection must not be an unhandled one (it would end the process).
      void fault({ type: 'process-pause', target: { service: 'app' } } as never)
      await wait('100ms')
    })
  )
  const result = await run.result
  assert.equal(result.verdict, 'error', result.reason)
  assert.match(result.reason ?? '', /fault: /)
})

test('a script that ignores the run stopping is left behind after a grace, and the run ends', async () => {
  const { run } = start(
    experimentWith(async ({ fault }) => {
      await fault.pause('app', '30s')
      // Something that does not take the run's signal.
      await new Promise(() => undefined)
    }),
    (e) => {
      if (e.type === 'fault.injected') {
        run.abort('signal', 'the test stops it')
      }
    }
  )
  const result = await run.result
  assert.notEqual(result.verdict, 'pass')
  const stepEnded = run.journal.events.find((e) => e.type === 'step.ended' && e.stepId === 'run.0')
  assert.ok(stepEnded, 'the script step ended')
  assert.deepEqual(
    run.journal.events.filter((e) => e.type === 'fault.reverted').length,
    1,
    "the script's fault was undone"
  )
})
