/**
 * The fault driver contract. A driver is a small object with a name; the engine owns the
 * clock (when to inject, how long to hold) and the driver only acts and reverts.
 * @module
 */
import type { Ledger } from '../safety/ledger.js'
import type { Fault } from '../experiment/model.js'
import type { FaultInput } from '../experiment/schema.js'
import type { TargetSelectorInput } from '../experiment/schema-parts.js'
import type { ProcessTarget } from '../platforms/local/targets.js'
import type { Supervisor } from '../platforms/local/supervisor.js'
import type { KubernetesRun, RecoveryOutcome } from '../platforms/kubernetes/contract.js'
import type { TimingRange } from '../shared/timing-range.js'

/** The params type of the fault whose `type` is T. */
export type FaultParamsOf<T extends FaultInput['type']> = Extract<FaultInput, { type: T }>

export interface FaultContext<P extends FaultInput = FaultInput> {
  runId: string
  fault: Fault
  params: P
  /** Relative paths in params resolve against the manifest's directory. */
  baseDir: string
  /** Write an undo here *before* acting (safety invariant 1). */
  ledger: Ledger
  /** Latest time (ms since epoch) by which the fault must be undone; store it with each entry. */
  deadline: number
  /** Resolves a selector to concrete processes, applying the selection mode. */
  selectTargets(selector: TargetSelectorInput): Promise<ProcessTarget[]>
  supervisor: Supervisor
  /** Aborted when the fault's duration ends or the run aborts: stop repeating actions now. */
  signal: AbortSignal
  /** Records a notable action in the journal (each kill, each restart). */
  action(detail: string): void
  /** The run's cluster when `spec.system.kubernetes` is set; Kubernetes faults refuse without it. */
  kubernetes?: KubernetesRun
  /** Records how long a workload took to recover from this fault (journal `fault.recovery`). */
  recovery(outcome: RecoveryOutcome): void
  /**
   * The wait before the next repeat of an `interval: 300ms..900ms`, drawn from the run's seed
   * for this fault and journaled (`fault.timing`). Absent (driver tests): see nextWait.
   */
  nextInterval?(range: TimingRange): number
}

/** What an active fault hands back: its targets for the journal, and its revert. */
export interface Injection {
  /** Human-readable labels of what was touched: `api-1 (pid 4242)`, `/tmp/x/.ordeal-fill-…`. */
  targets: string[]
  /** Undo everything this injection did and mark its ledger entries undone. Idempotent. */
  revert(): Promise<void>
  /**
   * After the revert, wait for the system to recover (a workload fully available again) and
   * report it. Separate from `revert` because waiting is not undoing: the fault window ends
   * when the undo is done (`fault.reverted`), so results and OnChaos probes do not count the
   * recovery as chaos; and the wait takes the run's abort signal, so a Ctrl+C stops it at
   * once instead of holding up the revert (safety invariant 4). The step still awaits it
   * before it ends, so end-of-test probes see the recovered system. Never throws.
   */
  settle?(signal: AbortSignal): Promise<void>
}

export interface FaultDriver<P extends FaultInput = FaultInput> {
  type: P['type']
  /** For `--dry-run`: one line per thing the fault would touch, without touching it. */
  describe(params: P, context: { baseDir: string }): string[]
  /**
   * Act. Must record every undo in `ctx.ledger` before the action it reverses. If it throws,
   * whatever it already recorded is undone by the engine from the ledger.
   */
  inject(ctx: FaultContext<P>): Promise<Injection>
}

/** Identity helper that keeps the params type of a driver precise. */
export function defineFault<T extends FaultInput['type']>(
  driver: FaultDriver<FaultParamsOf<T>> & { type: T }
) {
  return driver
}

/** Raised when a fault cannot be injected; the run ends with verdict `error` (exit 3). */
export class FaultInjectionError extends Error {
  readonly code = 'ORDEAL_FAULT_INJECTION'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'FaultInjectionError'
  }
}
