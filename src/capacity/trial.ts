/**
 * One trial of a capacity search: the open-model generator (`runLoad`) at one rate for the
 * trial's length, judged on the part after the warm-up (judge.ts). A trial that has clearly
 * failed for 2 consecutive seconds past the warm-up is stopped early: more seconds would only
 * confirm it, and an overloaded system recovers sooner for the next trial.
 * @module
 */
import type { LoadSpec, LoadTick } from '../load/contract.js'
import { runLoad } from '../load/generator.js'
import { createHistogram } from '../load/histograms.js'
import type { ParsedThreshold } from '../load/thresholds.js'
import { clearFailure, judgeTrial } from './judge.js'
import type { TrialOutcome } from './search.js'

/** Consecutive clearly failed seconds past the warm-up that stop a trial. */
export const EARLY_STOP_SECONDS = 2

export interface TrialOptions {
  /** The load to send (url, method, headers, body, timeout, maxInFlight, workers…). */
  load: LoadSpec
  rate: number
  trialMs: number
  warmupMs: number
  thresholds: readonly ParsedThreshold[]
  /** Ends the trial without an answer (the run stops, or a held fault's phase ran out). */
  signal?: AbortSignal
  vars?: Record<string, unknown>
  onTick?: (tick: LoadTick) => void
  now?: () => number
}

/** Resolves the trial's outcome, or undefined when `signal` cut it off. */
export async function runTrial(options: TrialOptions): Promise<TrialOutcome | undefined> {
  const now = options.now ?? Date.now
  if (options.signal?.aborted) {
    return undefined
  }
  const early = new AbortController()
  const cut = () => early.abort()
  options.signal?.addEventListener('abort', cut, { once: true })
  const warmupS = Math.ceil(options.warmupMs / 1000)
  let failing = 0
  let stoppedEarly: string | undefined
  const startedAt = now()
  // Every completion from the end of the warm-up on, merged exactly (judge.ts).
  const latency = createHistogram()
  try {
    const summary = await runLoad(
      {
        ...options.load,
        rate: options.rate,
        startRate: options.rate,
        durationMs: options.trialMs,
        // Judged here, on the steady part only.
        thresholds: [],
      },
      {
        signal: early.signal,
        onTickHistogram: (second, response) => {
          if (second >= warmupS) {
            latency.add(response)
          }
        },
        ...(options.vars === undefined ? {} : { vars: options.vars }),
        onTick: (tick) => {
          options.onTick?.(tick)
          if (tick.second < warmupS || stoppedEarly !== undefined) {
            return
          }
          const why = clearFailure(tick, options.thresholds)
          failing = why === undefined ? 0 : failing + 1
          if (why !== undefined && failing >= EARLY_STOP_SECONDS) {
            stoppedEarly = `stopped early: ${why} for ${failing} s`
            early.abort()
          }
        },
      }
    )
    if (options.signal?.aborted) {
      return undefined
    }
    return judgeTrial({
      rate: options.rate,
      ticks: summary.timeline,
      warmupMs: options.warmupMs,
      trialMs: options.trialMs,
      thresholds: options.thresholds,
      warnings: summary.warnings,
      offeredRate: summary.rate.achieved + (summary.dropped * 1000) / summary.durationMs,
      latency,
      ...(stoppedEarly === undefined ? {} : { stoppedEarly }),
      startedAt,
      endedAt: now(),
    })
  } finally {
    latency.destroy()
    options.signal?.removeEventListener('abort', cut)
  }
}
