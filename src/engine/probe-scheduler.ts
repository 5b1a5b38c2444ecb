/**
 * Runs one step's probes in the Litmus modes (litmus-go pkg/probe/probe.go):
 * - SOT: once before the step's chaos; EOT: once after; Edge: both, passes only if both pass.
 * - Continuous: a loop from before the chaos until after it; the first failure ends it.
 * - OnChaos: a loop while a fault of the step is active, bounded by the fault's duration
 *   minus initialDelay; the first failure ends it.
 * @module
 */
import { NOT_RUN_STOPPED } from './not-run.js'
import type { Probe } from '../experiment/model.js'
import type { ProbeVerdict } from './events.js'
import type { ProbeOutcome } from '../probes/contract.js'
import { sleep } from '../shared/duration.js'
import { evaluateProbe, type CheckEnv } from './probe-check.js'

export interface SchedulerEnv extends Omit<CheckEnv, 'onAttempt'> {
  attempt(probe: Probe, phase: 'pre' | 'during' | 'post', outcome: ProbeOutcome): void
  verdict(probe: Probe, verdict: ProbeVerdict, message: string): void
  /** A probe with stopOnFailure failed: the run must abort and roll back. */
  stop(probe: Probe, message: string): void
}

interface Loop {
  probe: Probe
  controller: AbortController
  done: Promise<void>
  failure?: string
  iterations: number
  lastMessage: string
}

export class ProbeScheduler {
  readonly #probes: Probe[]
  readonly #env: SchedulerEnv
  readonly #loops = new Map<string, Loop>()
  readonly #edgePre = new Map<string, ProbeOutcome>()
  readonly #decided = new Set<string>()
  #activeFaults = 0

  constructor(probes: Probe[], env: SchedulerEnv) {
    this.#probes = probes
    this.#env = env
  }

  /** PreChaos: SOT and the first half of Edge, then start Continuous loops. */
  async pre(): Promise<void> {
    for (const probe of this.#of('Continuous')) {
      this.#loops.set(probe.id, this.#loop(probe, 'pre', undefined))
    }
    await Promise.all([
      ...this.#of('SOT').map(async (probe) => this.#decide(probe, await this.#eval(probe, 'pre'))),
      ...this.#of('Edge').map(async (probe) => {
        const outcome = await this.#eval(probe, 'pre')
        this.#edgePre.set(probe.id, outcome)
        if (!outcome.passed) {
          this.#decide(probe, { passed: false, message: `before chaos: ${outcome.message}` })
        }
      }),
    ])
  }

  /** DuringChaos: a fault under this step became active for `windowMs`. */
  chaosStarted(windowMs: number): void {
    this.#activeFaults++
    for (const probe of this.#of('OnChaos')) {
      if (!this.#loops.has(probe.id)) {
        const window = Math.max(0, windowMs - probe.run.initialDelayMs)
        this.#loops.set(probe.id, this.#loop(probe, 'during', window))
      }
    }
  }

  /** A fault under this step was reverted; OnChaos loops end when none is active. */
  chaosEnded(): void {
    this.#activeFaults = Math.max(0, this.#activeFaults - 1)
    if (this.#activeFaults === 0) {
      for (const probe of this.#of('OnChaos')) {
        this.#loops.get(probe.id)?.controller.abort()
      }
    }
  }

  /** PostChaos: stop the loops and record their verdicts, then EOT and the end of Edge. */
  async post(options: { aborted: boolean }): Promise<void> {
    for (const loop of this.#loops.values()) {
      loop.controller.abort()
    }
    await Promise.all([...this.#loops.values()].map((l) => l.done))
    for (const loop of this.#loops.values()) {
      if (loop.failure !== undefined) {
        continue // already decided at the failure
      }
      if (loop.iterations === 0) {
        this.#decide(
          loop.probe,
          undefined,
          'never ran: the chaos window closed before its first iteration'
        )
      } else if (options.aborted) {
        this.#decide(
          loop.probe,
          undefined,
          `run stopped after ${loop.iterations} passing iterations`
        )
      } else {
        this.#decide(loop.probe, {
          passed: true,
          message: `${loop.iterations} iterations passed; last: ${loop.lastMessage}`,
        })
      }
    }
    if (options.aborted) {
      this.#finishUndecided(NOT_RUN_STOPPED)
      return
    }
    await Promise.all([
      ...this.#of('EOT').map(async (probe) => this.#decide(probe, await this.#eval(probe, 'post'))),
      ...this.#of('Edge')
        .filter((p) => !this.#decided.has(p.id))
        .map(async (probe) => {
          const outcome = await this.#eval(probe, 'post')
          this.#decide(
            probe,
            outcome.passed
              ? { passed: true, message: `before and after chaos: ${outcome.message}` }
              : { passed: false, message: `after chaos: ${outcome.message}` }
          )
        }),
    ])
    this.#finishUndecided('never ran: no fault became active in this step')
  }

  #of(mode: Probe['mode']): Probe[] {
    return this.#probes.filter((p) => p.mode === mode)
  }

  async #eval(
    probe: Probe,
    phase: 'pre' | 'during' | 'post',
    signal?: AbortSignal
  ): Promise<ProbeOutcome> {
    if (phase !== 'during' && probe.mode !== 'Continuous' && probe.run.initialDelayMs > 0) {
      await sleep(probe.run.initialDelayMs, this.#env.signal)
    }
    return evaluateProbe(probe, {
      ...this.#env,
      signal: signal ?? this.#env.signal,
      onAttempt: (outcome) => this.#env.attempt(probe, phase, outcome),
    })
  }

  #loop(probe: Probe, phase: 'pre' | 'during', windowMs: number | undefined): Loop {
    const controller = new AbortController()
    const loop: Loop = {
      probe,
      controller,
      done: Promise.resolve(),
      iterations: 0,
      lastMessage: '',
    }
    const stopSignal = AbortSignal.any([controller.signal, this.#env.signal])
    let windowTimer: NodeJS.Timeout | undefined
    loop.done = (async () => {
      await sleep(probe.run.initialDelayMs, stopSignal)
      if (windowMs !== undefined) {
        windowTimer = setTimeout(() => controller.abort(), windowMs)
      }
      while (!stopSignal.aborted) {
        // An evaluation started inside the window runs to completion (bounded by its timeout)
        // so that a probe that hangs because of the fault is seen failing, not cancelled.
        const outcome = await this.#eval(probe, phase, this.#env.signal)
        if (this.#env.signal.aborted) {
          break
        }
        loop.iterations++
        loop.lastMessage = outcome.message
        if (!outcome.passed) {
          loop.failure = outcome.message
          this.#decide(probe, {
            passed: false,
            message: `iteration ${loop.iterations}: ${outcome.message}`,
          })
          break
        }
        await sleep(probe.run.pollingIntervalMs, stopSignal)
      }
      clearTimeout(windowTimer)
    })()
    return loop
  }

  #decide(probe: Probe, outcome: ProbeOutcome | undefined, naMessage = 'not evaluated'): void {
    if (this.#decided.has(probe.id)) {
      return
    }
    this.#decided.add(probe.id)
    if (!outcome) {
      this.#env.verdict(probe, 'N/A', naMessage)
      return
    }
    this.#env.verdict(probe, outcome.passed ? 'Passed' : 'Failed', outcome.message)
    if (!outcome.passed && probe.run.stopOnFailure) {
      this.#env.stop(probe, outcome.message)
    }
  }

  #finishUndecided(message: string): void {
    for (const probe of this.#probes) {
      this.#decide(probe, undefined, message)
    }
  }
}
