/**
 * A capacity step end to end: the baseline search, then (with a fault) the same search under
 * the fault, carried out by the run's fault machinery (engine/fault-step.ts: ledger, watchdog
 * deadline, revert in `finally`), never around it.
 *
 * `held`: the fault is injected once; the phase's trials run while it holds and the hold is
 * released when the search ends. The fault's `duration` is the phase's upper bound (the
 * watchdog reverts at duration + slack whatever happens here): when it runs out first, the
 * trial under way is discarded and the phase ends with what it found, saying so (`note`).
 * `per-trial`: each trial gets its own injection, held for the trial (and its in-flight
 * requests) and reverted after it; the system's recovery (the driver's `settle`) is waited
 * for before the next trial.
 * @module
 */
import type { JournalEventBody } from '../engine/events.js'
import type { FaultHooks } from '../engine/fault-step.js'
import type { Fault } from '../experiment/model.js'
import type { LoadTick } from '../load/contract.js'
import { parseThresholds } from '../load/thresholds.js'
import type { CapacityResult, CapacityTrial } from '../shared/capacity.js'
import { changeUnknown, judgeExpectation } from './expectation.js'
import { searchCapacity, type SearchResult } from './search.js'
import type { CapacitySpec } from './spec.js'
import { runTrial } from './trial.js'

export interface CapacityEnv {
  /** capacity.trial / capacity.result (and the fault's own events, through `fault`). */
  emit(body: JournalEventBody): void
  /** The run's: a stop ends the search where it is (the result is not recorded). */
  signal: AbortSignal
  vars?: () => Record<string, unknown>
  /** Carries a fault out whole (inject, hold, revert); undefined when it went as planned. */
  fault?: (fault: Fault, hooks: FaultHooks) => Promise<string | undefined>
  /** The probe windows of the step: open while a fault is injected. */
  hooks?: Pick<FaultHooks, 'injected' | 'reverted'>
  onTrial?: (trial: CapacityTrial) => void
  onTick?: (tick: LoadTick) => void
}

/** Runs both phases; resolves the result (also journaled), or undefined when the run stopped. */
export async function runCapacity(
  stepId: string,
  name: string,
  spec: CapacitySpec,
  env: CapacityEnv
): Promise<CapacityResult | undefined> {
  const parsed = parseThresholds(spec.thresholds)
  if (!parsed.ok) {
    throw new Error(parsed.message)
  }
  const thresholds = parsed.thresholds
  const trial = (signal: AbortSignal) => (rate: number) =>
    runTrial({
      load: spec.load,
      rate,
      trialMs: spec.trialMs,
      warmupMs: spec.warmupMs,
      thresholds,
      signal,
      ...(env.vars === undefined ? {} : { vars: env.vars() }),
      ...(env.onTick === undefined ? {} : { onTick: env.onTick }),
    })
  const onTrial = (t: CapacityTrial) => {
    env.emit({ type: 'capacity.trial', stepId, trial: t })
    env.onTrial?.(t)
  }

  const baseline = await searchCapacity(
    { ...spec, phase: 'baseline' },
    { trial: trial(env.signal), onTrial }
  )
  if (env.signal.aborted) {
    return undefined
  }
  let fault: CapacityResult['fault']
  if (spec.fault) {
    if (!env.fault) {
      throw new Error('this run cannot carry out a capacity step’s fault')
    }
    const phase =
      spec.faultMode === 'held'
        ? await heldPhase(spec, spec.fault, env, trial, onTrial)
        : await perTrialPhase(spec, spec.fault, env, trial, onTrial)
    if (env.signal.aborted) {
      return undefined
    }
    fault = {
      ...phase.result,
      faultType: spec.fault.type,
      faultName: faultLabel(spec.fault),
      mode: spec.faultMode,
    }
  }
  const result: CapacityResult = {
    stepId,
    name,
    precision: spec.precision,
    baseline: baseline.result,
  }
  if (fault) {
    result.fault = fault
    const before = baseline.result.sustainable
    const after = fault.sustainable
    const unknown = changeUnknown(baseline.result)
    if (unknown !== undefined) {
      result.changeUnknown = unknown
    } else if (before !== null && before > 0 && after !== null) {
      result.changePercent = Math.round(((after - before) / before) * 1000) / 10
    }
  }
  if (spec.expect) {
    result.expectation = judgeExpectation(spec.expect, result)
  }
  env.emit({ type: 'capacity.result', stepId, result })
  return result
}

type TrialFactory = (signal: AbortSignal) => (rate: number) => ReturnType<typeof runTrial>

async function heldPhase(
  spec: CapacitySpec,
  fault: Fault,
  env: CapacityEnv,
  trial: TrialFactory,
  onTrial: (t: CapacityTrial) => void
): Promise<SearchResult> {
  const release = new AbortController()
  // Ends the phase: the fault's window closed (duration ran out, or reverted early), or the
  // run stops.
  const phaseEnd = new AbortController()
  const endPhase = () => phaseEnd.abort()
  env.signal.addEventListener('abort', endPhase, { once: true })
  let injected!: (yes: boolean) => void
  const wasInjected = new Promise<boolean>((resolve) => (injected = resolve))
  const done = env.fault!(fault, {
    injected: (windowMs) => {
      env.hooks?.injected(windowMs)
      injected(true)
    },
    reverted: () => {
      phaseEnd.abort()
      env.hooks?.reverted()
    },
    release: release.signal,
  }).finally(() => injected(false))
  try {
    if (!(await wasInjected)) {
      const failure = await done
      throw new Error(`fault ${fault.type} could not be carried out: ${failure ?? 'not injected'}`)
    }
    const search = await searchCapacity(
      { ...spec, phase: 'fault' },
      { trial: trial(phaseEnd.signal), onTrial }
    )
    release.abort()
    const failure = await done
    if (failure !== undefined) {
      throw new Error(`fault ${fault.type} could not be carried out: ${failure}`)
    }
    return search
  } finally {
    release.abort()
    env.signal.removeEventListener('abort', endPhase)
    await done.catch(() => undefined)
  }
}

async function perTrialPhase(
  spec: CapacitySpec,
  fault: Fault,
  env: CapacityEnv,
  trial: TrialFactory,
  onTrial: (t: CapacityTrial) => void
): Promise<SearchResult> {
  let n = 0
  let failure: string | undefined
  // Held through the trial and its in-flight requests (up to their timeout).
  const holdMs = spec.trialMs + spec.load.timeoutMs + 1000
  const search = await searchCapacity(
    { ...spec, phase: 'fault' },
    {
      onTrial,
      trial: async (rate) => {
        if (env.signal.aborted) {
          return undefined
        }
        const release = new AbortController()
        const cut = new AbortController()
        const stop = () => cut.abort()
        env.signal.addEventListener('abort', stop, { once: true })
        let injected!: (yes: boolean) => void
        const wasInjected = new Promise<boolean>((resolve) => (injected = resolve))
        const done = env.fault!(
          { ...fault, id: `${fault.id}.${n++}`, durationMs: holdMs },
          {
            injected: (windowMs) => {
              env.hooks?.injected(windowMs)
              injected(true)
            },
            reverted: () => {
              cut.abort()
              env.hooks?.reverted()
            },
            release: release.signal,
          }
        ).finally(() => injected(false))
        try {
          if (!(await wasInjected)) {
            failure = (await done) ?? 'not injected'
            return undefined
          }
          const outcome = await trial(cut.signal)(rate)
          release.abort()
          failure = await done
          return failure === undefined ? outcome : undefined
        } finally {
          release.abort()
          env.signal.removeEventListener('abort', stop)
          await done.catch(() => undefined)
        }
      },
    }
  )
  if (failure !== undefined) {
    throw new Error(`fault ${fault.type} could not be carried out: ${failure}`)
  }
  return search
}

/** `process-kill of rabbitmq`, as a fault step without a name is called. */
export function faultLabel(fault: Fault): string {
  const target = (fault.params as { target?: { service?: string; attach?: string } }).target
  const on = target?.service ?? target?.attach
  return on === undefined ? fault.type : `${fault.type} of ${on}`
}
