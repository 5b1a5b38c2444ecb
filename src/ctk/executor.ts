/**
 * Runs a parsed CTK experiment with chaoslib's semantics (run.py): the steady-state hypothesis
 * as a gate (not met: status `completed` on a tolerance miss, `failed` when a probe errored;
 * the method is skipped), the method in order with background activities awaited before the
 * hypothesis after (not met: `deviated`), then rollbacks by strategy. What chaoslib would
 * crash on (CtkCrash) propagates: the caller reports it, exit 3.
 * @module
 */
import { executeActivity, runActivity, type ActivityContext } from './activity.js'
import type {
  CtkActivity,
  CtkEntry,
  CtkExperiment,
  CtkOutcome,
  CtkRun,
  CtkState,
  CtkStatus,
  CtkValues,
  RollbackStrategy,
} from './model.js'
import { substitute } from './substitute.js'
import { withinTolerance } from './tolerance.js'

export interface ExecuteOptions {
  values: CtkValues
  /** `--rollback-strategy`, over the experiment's `runtime.rollbacks.strategy`. */
  rollbackStrategy?: RollbackStrategy
  /** Aborted on SIGINT/SIGTERM before the rollbacks: the run ends `interrupted`. */
  signal?: AbortSignal
  /** Aborted on a signal during the rollbacks: the remaining ones are skipped. */
  rollbackSignal?: AbortSignal
  /** Called as the rollbacks start, so a signal from then on aborts them instead. */
  onRollbacks?: () => void
  log?: (line: string) => void
}

/** Missing `ref` target in the method: chaoslib aborts the run there. */
class MissingRef extends Error {}

export async function executeExperiment(
  experiment: CtkExperiment,
  options: ExecuteOptions
): Promise<CtkOutcome> {
  const signal = options.signal ?? new AbortController().signal
  const ctx: ActivityContext = { values: options.values, signal, log: options.log ?? (() => {}) }
  const out: CtkOutcome = {
    status: 'completed',
    deviated: false,
    steadyStates: { before: null, after: null, during: [] },
    run: [],
    rollbacks: [],
    start: new Date(),
    end: new Date(),
  }
  let status: CtkStatus | null = null
  const interrupted = (): boolean => signal.aborted
  const strategy = experiment.hypothesisStrategy
  const withSsh = strategy !== 'skip' && (experiment.hypothesis?.probes.length ?? 0) > 0
  let gatePassed = true
  if (withSsh && strategy !== 'after-method-only') {
    const state = await runHypothesis(experiment, ctx)
    out.steadyStates.before = state
    if (!state.steady_state_met) {
      gatePassed = false
      status = state.probes.some((p) => p.status !== 'succeeded') ? 'failed' : 'completed'
      ctx.log('Steady state hypothesis before the method is not met: the method is skipped')
    }
  }
  if (gatePassed) {
    const background: Promise<unknown>[] = []
    try {
      for (const entry of experiment.method) {
        if (interrupted()) {
          status = 'interrupted'
          break
        }
        const activity = resolve(experiment, entry)
        if (activity.background) {
          // The record is appended when it starts; a failure never stops the method.
          background.push(executeActivity(activity, ctx, out.run))
        } else {
          await executeActivity(activity, ctx, out.run)
        }
      }
    } catch (error) {
      if (!(error instanceof MissingRef)) {
        throw error
      }
      ctx.log(error.message)
      status = 'aborted'
    } finally {
      await Promise.all(background)
    }
    if (interrupted()) {
      status = 'interrupted'
    }
    if (
      status !== 'interrupted' &&
      status !== 'aborted' &&
      withSsh &&
      strategy !== 'before-method-only'
    ) {
      const state = await runHypothesis(experiment, ctx)
      out.steadyStates.after = state
      if (!state.steady_state_met) {
        out.deviated = true
        status = state.probes.some((p) => p.status !== 'succeeded') ? 'failed' : 'completed'
      }
    }
  }
  if (interrupted()) {
    status = 'interrupted'
  }
  const rollbackStrategy = options.rollbackStrategy ?? experiment.rollbackStrategy ?? 'default'
  if (playRollbacks(rollbackStrategy, status, out.deviated)) {
    ctx.log("Let's rollback...")
    options.onRollbacks?.()
    // Their own signal: under `always`, rollbacks play after an interrupt of the method.
    const rollbackSignal = options.rollbackSignal ?? new AbortController().signal
    await runRollbacks(experiment, { ...ctx, signal: rollbackSignal }, out.rollbacks)
    if (rollbackSignal.aborted) {
      status = 'interrupted'
    }
  }
  out.status = status ?? 'completed'
  out.end = new Date()
  return out
}

/** chaoslib's `run_rollback` decision. */
export function playRollbacks(
  strategy: RollbackStrategy,
  status: CtkStatus | null,
  deviated: boolean
): boolean {
  switch (strategy) {
    case 'always':
      return true
    case 'never':
      return false
    case 'deviated':
      return deviated
    case 'default':
      return status !== 'failed' && status !== 'interrupted'
  }
}

async function runRollbacks(
  experiment: CtkExperiment,
  ctx: ActivityContext,
  runs: CtkRun[]
): Promise<void> {
  const background: Promise<unknown>[] = []
  try {
    for (const entry of experiment.rollbacks) {
      if (ctx.signal.aborted) {
        break
      }
      const activity = resolve(experiment, entry)
      if (activity.background) {
        background.push(executeActivity(activity, ctx, runs))
      } else {
        await executeActivity(activity, ctx, runs)
      }
    }
  } catch (error) {
    if (!(error instanceof MissingRef)) {
      throw error
    }
    ctx.log(`${error.message}: the remaining rollbacks are skipped`)
  } finally {
    await Promise.all(background)
  }
}

/** The hypothesis, sequentially: the first errored probe or tolerance miss ends it. */
async function runHypothesis(experiment: CtkExperiment, ctx: ActivityContext): Promise<CtkState> {
  const state: CtkState = { steady_state_met: null, probes: [] }
  for (const entry of experiment.hypothesis?.probes ?? []) {
    const probe = resolve(experiment, entry)
    const run = await executeActivity(probe, ctx, undefined)
    state.probes.push(run)
    if (run.status === 'failed') {
      run.tolerance_met = false
      state.steady_state_met = false
      return state
    }
    run.tolerance_met = true
    // chaoslib substitutes a string tolerance first: `${wanted}` may become an integer.
    const tolerance =
      typeof probe.tolerance === 'string'
        ? substitute(probe.tolerance, ctx.values)
        : probe.tolerance
    const met = await withinTolerance(tolerance, run.output, ctx.values, (activity) =>
      runActivity(activity, ctx)
    )
    if (!met) {
      run.tolerance_met = false
      state.steady_state_met = false
      ctx.log(`Steady state probe '${probe.name}' is not in the given tolerance`)
      return state
    }
  }
  state.steady_state_met = true
  return state
}

function resolve(experiment: CtkExperiment, entry: CtkEntry): CtkActivity {
  if ('ref' in entry && typeof entry.ref === 'string') {
    const found = experiment.byName.get(entry.ref)
    if (!found) {
      throw new MissingRef(`could not find referenced activity '${entry.ref}'`)
    }
    return found
  }
  return entry as CtkActivity
}
