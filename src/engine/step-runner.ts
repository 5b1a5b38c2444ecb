/**
 * The step walk: one step's life (probes before, its work, probes after, `step.started` /
 * `step.ended`), recursing into serial and parallel groups. Shared by the local runner
 * (runner.ts) and a multi-host run's coordinator (platforms/agent/coordinator/), which differ
 * only in how a fault, a load and one probe check are carried out: the {@link StepActions}.
 * @module
 */
import type { Probe, Step } from '../experiment/model.js'
import { sleep } from '../shared/duration.js'
import type { AbortKind, JournalEventBody } from './events.js'
import type { FaultHooks } from './fault-step.js'
import type { CheckEnv } from './probe-check.js'
import { ProbeScheduler } from './probe-scheduler.js'

export type FaultStep = Extract<Step, { kind: 'fault' }>
export type LoadStep = Extract<Step, { kind: 'load' }>
export type CapacityStep = Extract<Step, { kind: 'capacity' }>
export type ScriptStep = Extract<Step, { kind: 'script' }>

/** How the work of a step is done: here (the local runner) or on agents (the coordinator). */
export interface StepActions {
  /**
   * Carries out a fault step whole (after, inject, hold, revert), calling the hooks as its
   * window opens and closes. Returns why it could not be carried out, or undefined.
   */
  fault(step: FaultStep, hooks: FaultHooks): Promise<string | undefined>
  /** Runs a load step to its end (or the run's abort). */
  load(step: LoadStep): Promise<void>
  /**
   * Runs a capacity search to its end (capacity/run.ts), calling the hooks as its fault's
   * windows open and close. Absent where capacity steps are not supported (multi-host).
   */
  capacity?(step: CapacityStep, hooks: Pick<FaultHooks, 'injected' | 'reverted'>): Promise<void>
  /**
   * Runs a script step of the TypeScript form (script-step.ts) to its end, its faults opening
   * and closing windows like a fault step's. Absent where scripts are not supported (multi-host).
   */
  script?(
    step: ScriptStep,
    hooks: Pick<FaultHooks, 'injected' | 'reverted'>
  ): Promise<string | undefined>
  /** How a probe's checks run: its template variables, base dir, launcher, or `check`. */
  probes: Omit<CheckEnv, 'signal' | 'onAttempt'>
}

export interface StepRunnerCtx {
  /** Where the step's events go: the run's journal (or the coordinator's merge). */
  emit(body: JournalEventBody): unknown
  /** Aborted when the run stops: no new step starts, a running one winds down. */
  signal: AbortSignal
  abort(kind: AbortKind, reason: string): void
  actions: StepActions
}

/** Returns the recursive step executor; `ancestors` are the probe schedulers of its parents. */
export function stepRunner(ctx: StepRunnerCtx) {
  const { emit } = ctx
  return async function runStep(step: Step, ancestors: ProbeScheduler[]): Promise<void> {
    if (ctx.signal.aborted) {
      return
    }
    emit({ type: 'step.started', stepId: step.id })
    const scheduler = new ProbeScheduler(step.probes, {
      ...ctx.actions.probes,
      signal: ctx.signal,
      attempt: (probe, phase, outcome) =>
        emit({
          type: 'probe.attempt',
          probeId: probe.id,
          phase,
          passed: outcome.passed,
          message: outcome.message,
          ...(outcome.value === undefined ? {} : { value: outcome.value }),
        }),
      verdict: (probe: Probe, verdict, message) =>
        emit({
          type: 'probe.verdict',
          probeId: probe.id,
          stepId: step.id,
          name: probe.name,
          probeType: probe.type,
          mode: probe.mode,
          verdict,
          message,
        }),
      stop: (probe, message) =>
        ctx.abort('probe', `probe ${probe.name} failed with stopOnFailure: ${message}`),
    })
    const scopes = [...ancestors, scheduler]
    let status: 'ok' | 'error' | 'aborted' = 'ok'
    let error: string | undefined
    try {
      await scheduler.pre()
      switch (step.kind) {
        case 'fault': {
          const failure = await ctx.actions.fault(step, {
            injected: (windowMs) => scopes.forEach((s) => s.chaosStarted(windowMs)),
            reverted: () => scopes.forEach((s) => s.chaosEnded()),
          })
          if (failure !== undefined) {
            status = 'error'
            error = failure
            ctx.abort('error', `fault "${step.name}" could not be carried out: ${failure}`)
          }
          break
        }
        case 'wait':
          await sleep(step.ms, ctx.signal)
          break
        case 'load':
          await ctx.actions.load(step)
          break
        case 'capacity':
          if (!ctx.actions.capacity) {
            throw new Error('capacity steps are not supported in a multi-host run')
          }
          await ctx.actions.capacity(step, {
            injected: (windowMs) => scopes.forEach((s) => s.chaosStarted(windowMs)),
            reverted: () => scopes.forEach((s) => s.chaosEnded()),
          })
          break
        case 'script': {
          if (!ctx.actions.script) {
            throw new Error('script steps are not supported in a multi-host run')
          }
          const failure = await ctx.actions.script(step, {
            injected: (windowMs) => scopes.forEach((s) => s.chaosStarted(windowMs)),
            reverted: () => scopes.forEach((s) => s.chaosEnded()),
          })
          if (failure !== undefined) {
            status = 'error'
            error = failure
            ctx.abort('error', `script "${step.name}" could not be carried out: ${failure}`)
          }
          break
        }
        case 'serial':
          for (const child of step.children) {
            await runStep(child, scopes)
          }
          break
        case 'parallel':
          await Promise.all(step.children.map((child) => runStep(child, scopes)))
          break
      }
    } catch (thrown) {
      // A step that cannot go on (a load whose spec the generator rejects, ...) ends the run
      // in error, with the message under this step: never an internal error of the CLI.
      status = 'error'
      error = thrown instanceof Error ? thrown.message : String(thrown)
      ctx.abort('error', `step "${step.name}" failed: ${error}`)
    } finally {
      if (status === 'ok' && ctx.signal.aborted) {
        status = 'aborted'
      }
      await scheduler.post({ aborted: ctx.signal.aborted })
      emit({
        type: 'step.ended',
        stepId: step.id,
        status,
        ...(error === undefined ? {} : { error }),
      })
    }
  }
}
