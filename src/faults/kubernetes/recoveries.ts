/**
 * The recovery watches of one injection: one per workload the fault acted on, started before
 * its first action (so no transition is missed), marked at each action, and settled once after
 * the revert (the injection's `settle`, outside the fault window), each outcome going to the
 * journal through `ctx.recovery`. A wait the run interrupts (Ctrl+C) reports nothing: the
 * recovery was not measured, and the run's own abort says why; a journal action says which.
 * @module
 */
import type {
  KubernetesRun,
  RecoveryWatch,
  WorkloadRef,
} from '../../platforms/kubernetes/contract.js'
import type { FaultContext } from '../contract.js'

/** How long a settle waits for a workload to be fully available again. */
export const RECOVERY_TIMEOUT_MS = 2 * 60_000

export class Recoveries {
  readonly #kube: KubernetesRun
  readonly #watches = new Map<string, { watch: RecoveryWatch; acted: boolean }>()
  #settled: Promise<void> | undefined

  constructor(kube: KubernetesRun) {
    this.#kube = kube
  }

  /** Starts watching `ref` unless already watched; call it before acting on the workload. */
  watch(ref: WorkloadRef): void {
    const key = keyOf(ref)
    if (!this.#watches.has(key) && this.#settled === undefined) {
      this.#watches.set(key, { watch: this.#kube.watchRecovery(ref), acted: false })
    }
  }

  /** The fault acted on `ref` now: its recovery clock restarts. */
  acted(ref: WorkloadRef, at?: number): void {
    const entry = this.#watches.get(keyOf(ref))
    if (entry) {
      entry.acted = true
      entry.watch.acted(at)
    }
  }

  /**
   * Awaits every workload acted on (all at once, each up to `timeoutMs`) and reports each
   * outcome; watches never acted on are closed unreported. Once: later calls share the first.
   */
  settle(
    ctx: Pick<FaultContext, 'recovery' | 'action'>,
    signal: AbortSignal,
    timeoutMs = RECOVERY_TIMEOUT_MS
  ): Promise<void> {
    this.#settled ??= Promise.all(
      [...this.#watches.values()].map(async ({ watch, acted }) => {
        try {
          if (acted) {
            const outcome = await watch.settled(timeoutMs, signal)
            if (signal.aborted && !outcome.recovered) {
              ctx.action(`recovery of ${outcome.workload} not measured: the run was interrupted`)
            } else {
              ctx.recovery(outcome)
            }
          }
        } finally {
          watch.close()
        }
      })
    ).then(() => undefined)
    return this.#settled
  }

  /** Stops every watch without reporting (the injection failed before acting). */
  close(): void {
    for (const { watch } of this.#watches.values()) {
      watch.close()
    }
  }
}

const keyOf = (ref: WorkloadRef) => `${ref.kind}/${ref.namespace}/${ref.name}`
