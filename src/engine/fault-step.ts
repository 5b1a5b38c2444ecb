/**
 * One fault's life: wait `after`, record-then-inject through its driver, hold for `duration`
 * (or until the run aborts), revert, then let the driver wait for the system's recovery.
 * Revert runs in `finally`, and anything the driver recorded in the ledger but did not revert
 * is undone from the ledger as a safety net.
 * @module
 */
import type { Fault } from '../experiment/model.js'
import type { TargetSelectorInput } from '../experiment/schema-parts.js'
import { faultDriver } from '../faults/registry.js'
import type { FaultContext, Injection } from '../faults/contract.js'
import { sleep } from '../shared/duration.js'
import type { Supervisor } from '../platforms/local/supervisor.js'
import type { ProcessTarget } from '../platforms/local/targets.js'
import type { Journal } from './journal.js'
import type { KubernetesRun } from '../platforms/kubernetes/contract.js'
import type { Ledger } from '../safety/ledger.js'
import type { ForeignUndo, LedgerWatch } from '../safety/ledger-watch.js'
import { undoEntry } from '../safety/undo.js'
import type { TimingRange } from '../shared/timing-range.js'
import type { TimingDraws, TimingField } from './timing-draw.js'

export interface FaultStepEnv {
  runId: string
  baseDir: string
  journal: Journal
  ledger: Ledger
  supervisor: Supervisor
  /** Resolves a selector; `report` says what it picked when that is not obvious (attach). */
  selectTargets(
    selector: TargetSelectorInput,
    report: (detail: string) => void
  ): Promise<ProcessTarget[]>
  signal: AbortSignal
  /** Extra time past the fault's duration before an outside watchdog reverts it. */
  deadlineSlackMs: number
  /** Tells the step when another process undoes its ledger entries (an early revert). */
  ledgerWatch?: LedgerWatch
  /** The run's cluster, when `spec.system.kubernetes` is set. */
  kubernetes?: KubernetesRun
  /** The run's seeded draws for randomised `after` / `interval` (timing-draw.ts). */
  timing: TimingDraws
}

export interface FaultHooks {
  injected(windowMs: number): void
  reverted(): void
  /**
   * Ends the hold before `duration`, then reverts as usual: a capacity step's fault phase that
   * finished its search (capacity/run.ts). The fault's duration stays the upper bound.
   */
  release?: AbortSignal
}

/**
 * Returns why the fault could not be injected or reverted, or was reverted early by another
 * process (the run must end in error), or undefined when it went as planned.
 */
export async function runFaultStep(
  stepId: string,
  fault: Fault,
  env: FaultStepEnv,
  hooks: FaultHooks
): Promise<string | undefined> {
  await sleep(drawAfter(fault, env), env.signal)
  if (env.signal.aborted) {
    return undefined
  }
  const active = new AbortController()
  const stopActive = () => active.abort()
  env.signal.addEventListener('abort', stopActive, { once: true })
  // Someone else undid part of this fault (watchdog deadline, recover --force): the window
  // ends now, in the journal and in fact; the hold stops and the driver's revert tidies up.
  let early: ForeignUndo | undefined
  // Ends the hold: the run aborting, or the early revert (AbortSignal.any needs Node 20.3).
  const hold = new AbortController()
  const stopHold = () => hold.abort()
  env.signal.addEventListener('abort', stopHold, { once: true })
  hooks.release?.addEventListener('abort', stopHold, { once: true })
  if (hooks.release?.aborted) {
    hold.abort()
  }
  const reportEarly = (undo: ForeignUndo) =>
    env.journal.emit({
      type: 'fault.reverted',
      faultId: fault.id,
      early: {
        by: undo.by,
        reason: `${undo.reason}: ${undo.entry.undo.label}`,
        at: undo.at,
      },
    })
  let injected = false
  const stopListening = env.ledgerWatch?.listen(fault.id, (undo) => {
    if (!early) {
      early = undo
      if (injected) {
        reportEarly(undo) // as it happens, not when the hold would have ended
      }
      hold.abort()
    }
  })
  const ctx: FaultContext = {
    runId: env.runId,
    fault,
    params: fault.params,
    baseDir: env.baseDir,
    ledger: env.ledger,
    deadline: Date.now() + fault.durationMs + env.deadlineSlackMs,
    selectTargets: (selector) => env.selectTargets(selector, ctx.action),
    supervisor: env.supervisor,
    signal: active.signal,
    action: (detail) => env.journal.emit({ type: 'fault.action', faultId: fault.id, detail }),
    ...(env.kubernetes === undefined ? {} : { kubernetes: env.kubernetes }),
    recovery: (outcome) =>
      env.journal.emit({ type: 'fault.recovery', faultId: fault.id, ...outcome }),
    nextInterval: (range) => drawTiming(fault.id, 'interval', range, env),
  }

  let injection: Injection
  try {
    injection = await faultDriver(fault.type).inject(ctx as never)
  } catch (error) {
    active.abort()
    stopListening?.()
    env.signal.removeEventListener('abort', stopActive)
    env.signal.removeEventListener('abort', stopHold)
    hooks.release?.removeEventListener('abort', stopHold)
    env.journal.emit({
      type: 'fault.failed',
      faultId: fault.id,
      stepId,
      phase: 'inject',
      error: message(error),
    })
    await undoLeftovers(fault.id, env)
    return `inject failed: ${message(error)}`
  }
  env.journal.emit({
    type: 'fault.injected',
    faultId: fault.id,
    stepId,
    faultType: fault.type,
    targets: injection.targets,
  })
  hooks.injected(fault.durationMs)
  let failure: string | undefined
  injected = true
  if (early) {
    reportEarly(early) // undone while the driver was still injecting
  }
  try {
    await sleep(fault.durationMs, hold.signal)
  } finally {
    active.abort()
    env.signal.removeEventListener('abort', stopActive)
    env.signal.removeEventListener('abort', stopHold)
    hooks.release?.removeEventListener('abort', stopHold)
    // A mark written just before we revert must not pass for our own revert.
    env.ledgerWatch?.check()
    stopListening?.()
    let undone = false
    try {
      await injection.revert()
      await undoLeftovers(fault.id, env)
      undone = true
      if (early) {
        failure = `reverted early by ${early.by}: ${early.reason}`
      } else {
        env.journal.emit({ type: 'fault.reverted', faultId: fault.id })
      }
    } catch (error) {
      failure = `revert failed: ${message(error)}`
      env.journal.emit({
        type: 'fault.failed',
        faultId: fault.id,
        stepId,
        phase: 'revert',
        error: message(error),
      })
      await undoLeftovers(fault.id, env).catch(() => undefined)
    }
    hooks.reverted()
    // The fault window has ended; the system's recovery is waited for outside it, but still
    // within the step, so end-of-test probes see the recovered system. The run's own signal:
    // a Ctrl+C stops the wait at once.
    if (undone && injection.settle) {
      await injection.settle(env.signal).catch((error: unknown) => {
        env.journal.emit({
          type: 'fault.action',
          faultId: fault.id,
          detail: `recovery not measured: ${message(error)}`,
        })
      })
    }
  }
  return failure
}

/** The wait before injecting: `after` as written, or drawn (and journaled) from its range. */
export function drawAfter(fault: Fault, env: Pick<FaultStepEnv, 'timing' | 'journal'>): number {
  return fault.afterRange === undefined
    ? fault.afterMs
    : drawTiming(fault.id, 'after', fault.afterRange, env)
}

/** One seeded draw, journaled where it is made so the run shows what it did (issue 18 §5). */
function drawTiming(
  faultId: string,
  field: TimingField,
  range: TimingRange,
  env: Pick<FaultStepEnv, 'timing' | 'journal'>
): number {
  const { ms, n } = env.timing.next(faultId, field, range)
  env.journal.emit({
    type: 'fault.timing',
    faultId,
    field,
    n,
    ms,
    minMs: range.minMs,
    maxMs: range.maxMs,
  })
  return ms
}

/** Undoes whatever this fault still has pending in the ledger. */
async function undoLeftovers(faultId: string, env: FaultStepEnv): Promise<void> {
  for (const entry of env.ledger.pending().filter((e) => e.faultId === faultId)) {
    await undoEntry(env.ledger, entry)
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
