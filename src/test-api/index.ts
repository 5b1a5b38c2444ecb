/**
 * `ordeal/test` (issue 19 §3): run an experiment from a test and let the test runner judge it.
 *
 * ```ts
 * import { test } from 'node:test'
 * import { chaos } from 'ordeal/test'
 * import experiment from './experiment.ts'
 * test('api survives a paused replica', async (t) => { await chaos.run(experiment, { t }) })
 * ```
 *
 * `chaos.run` runs the experiment in this process (runExperiment) and returns its result; any
 * verdict but `pass` throws an AssertionError whose message is the run's reason. The system is
 * torn down (faults reverted, services stopped) whenever the test ends, passes, fails or times
 * out: through node:test's `t.signal` and `t.after`, or any runner's AbortSignal (`signal`,
 * e.g. Vitest's `onTestFinished`). With node:test each step becomes a subtest, so the runner's
 * JUnit output shows the experiment's steps.
 * @module
 */
import { AssertionError } from 'node:assert'
import { resolve } from '../experiment/define.js'
import { withCodeMonitors } from '../experiment/code-monitors.js'
import type { MonitorDef } from '../monitors/contract.js'
import type { Observation } from '../monitors/observation.js'
import type { Experiment } from '../experiment/model.js'
import type { DefinedExperiment } from '../experiment/typed.js'
import { startRun, type RunOptions } from '../engine/runner.js'
import type { RunResult } from '../engine/result.js'
import { stepFailure } from './steps.js'

/** The part of node:test's TestContext chaos.run uses (duck-typed: no node:test import). */
export interface NodeTestContext {
  signal: AbortSignal
  after(fn: () => unknown): void
  test(name: string, fn: () => void | Promise<void>): Promise<unknown>
  diagnostic(message: string): void
}

export interface ChaosRunOptions extends Pick<
  RunOptions,
  'journalFile' | 'onEvent' | 'onLog' | 'seed'
> {
  /** node:test's test context: teardown at the test's end, steps as subtests. */
  t?: NodeTestContext
  /** Aborts the run (faults reverted, system stopped): a test runner's end or timeout. */
  signal?: AbortSignal
  /** Where relative paths (services' cwd) resolve. @default process.cwd() */
  baseDir?: string
  /** Return the result instead of throwing when the verdict is not `pass`. @default false */
  allowFailure?: boolean
  /**
   * Monitors written with `monitor(...)` / `all(...)`: fed by the run from system ready to the
   * end of the steps, in its journal and result, and a failed one fails the run.
   */
  monitors?: MonitorDef<Observation>[]
}

export const chaos = {
  /** Runs an experiment here; throws an AssertionError with its reason unless it passes. */
  async run(
    experiment: DefinedExperiment | Experiment,
    options: ChaosRunOptions = {}
  ): Promise<RunResult> {
    const base = isResolved(experiment)
      ? experiment
      : resolve(experiment, {
          baseDir: options.baseDir ?? process.cwd(),
          source: `experiment ${String(experiment.metadata?.name ?? '')}`.trim(),
        })
    const resolved = options.monitors
      ? withCodeMonitors(base, options.monitors, 'chaos.run monitors')
      : base
    const { t, signal } = options
    const run = startRun(resolved, {
      ...(options.journalFile ? { journalFile: options.journalFile } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.onLog ? { onLog: options.onLog } : {}),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    })
    let ended = false
    const stop = () => {
      if (!ended) {
        run.abort('signal', 'the test ended before the experiment (timeout or cancel)')
      }
    }
    const signals = [signal, t?.signal].filter((s): s is AbortSignal => s !== undefined)
    signals.forEach((s) => (s.aborted ? stop() : s.addEventListener('abort', stop, { once: true })))
    // The runner's teardown waits for the rollback, even when the test body was abandoned.
    t?.after(async () => {
      stop()
      await run.result.catch(() => undefined)
    })
    let result: RunResult
    try {
      result = await run.result
    } finally {
      ended = true
      signals.forEach((s) => s.removeEventListener('abort', stop))
    }
    if (t && !t.signal.aborted) {
      await reportSteps(t, result)
    }
    if (result.verdict !== 'pass' && !options.allowFailure) {
      throw new AssertionError({
        message: result.reason ?? `the experiment's verdict is ${result.verdict}`,
        actual: result.verdict,
        expected: 'pass',
        operator: 'chaos.run',
      })
    }
    return result
  },
}

/**
 * One subtest per step (not the root), failing with what failed in it, then one for the
 * verdict: JUnit test cases.
 */
async function reportSteps(t: NodeTestContext, result: RunResult): Promise<void> {
  for (const step of result.steps) {
    if (step.id === 'run') {
      continue
    }
    const failure = stepFailure(step, result)
    t.diagnostic(`step ${step.name}: ${step.status}${failure ? ` (${failure})` : ''}`)
    await t.test(step.name, () => {
      if (failure !== undefined) {
        throw new AssertionError({ message: failure, operator: 'step' })
      }
    })
  }
  // A test with subtests shows no message of its own in JUnit: the run's reason gets a case.
  await t.test(`verdict: ${result.verdict} (score ${result.resilienceScore})`, () => {
    if (result.verdict !== 'pass') {
      throw new AssertionError({ message: result.reason ?? result.verdict, operator: 'verdict' })
    }
  })
}

function isResolved(value: DefinedExperiment | Experiment): value is Experiment {
  return 'root' in value && 'baseDir' in value
}

export type { RunResult } from '../engine/result.js'
export type { ScriptContext, FaultHandle } from '../experiment/script-types.js'
