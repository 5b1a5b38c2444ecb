/**
 * Reads every `spec.metrics` entry every `interval` from system ready until the steps end and
 * the metric checks' windows are covered (settle.ts), and journals each reading as
 * `metric.sample` or, when the source fails, `metric.failed`: a down source is a gap in the
 * series with its reason, never a failed run. A streak of failures is journaled twice, at its
 * first failure and, when it ends, with its count: a source down for minutes is two lines, not
 * one a second. One loop per metric, so a slow source never delays another's readings.
 * @module
 */
import type { JournalEventBody } from '../engine/events.js'
import type { TemplateVars } from '../shared/template.js'
import { deadlineSignal } from '../shared/deadline-signal.js'
import { sleep as realSleep } from '../shared/duration.js'
import type { MetricReadContext, MetricSpec } from './contract.js'
import { readMetric } from './registry.js'

/** A reading gives up after twice its interval (at least 2 s, at most 10 s): a gap, not a hang. */
export function readTimeoutMs(intervalMs: number): number {
  return Math.min(10_000, Math.max(2_000, 2 * intervalMs))
}

export interface SamplerOptions {
  metrics: readonly MetricSpec[]
  emit: (body: JournalEventBody) => void
  /** Template variables, asked for at each reading (ports are known once the system is up). */
  vars: () => TemplateVars
  /** Injected by tests; the registry's sources otherwise. */
  read?: (metric: MetricSpec, ctx: MetricReadContext) => Promise<number>
  now?: () => number
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
}

export class MetricSampler {
  readonly #options: SamplerOptions
  readonly #stop = new AbortController()
  readonly #loops: Promise<void>[] = []

  constructor(options: SamplerOptions) {
    this.#options = options
  }

  start(): void {
    for (const metric of this.#options.metrics) {
      this.#loops.push(this.#loop(metric))
    }
  }

  /** Stops every loop; a reading in flight is abandoned (not journaled), a streak is closed. */
  async stop(): Promise<void> {
    this.#stop.abort()
    await Promise.all(this.#loops)
  }

  async #loop(metric: MetricSpec): Promise<void> {
    const { emit, vars } = this.#options
    const read = this.#options.read ?? readMetric
    const now = this.#options.now ?? Date.now
    const sleep = this.#options.sleep ?? realSleep
    const stop = this.#stop.signal
    let streak = 0
    let lastError = ''
    const endStreak = () => {
      if (streak > 1) {
        emit({
          type: 'metric.failed',
          metricId: metric.id,
          name: metric.name,
          error: lastError,
          count: streak,
        })
      }
      streak = 0
    }
    while (!stop.aborted) {
      const started = now()
      const signal = AbortSignal.any([stop, deadlineSignal(readTimeoutMs(metric.intervalMs))])
      try {
        const value = await read(metric, { signal, vars: vars() })
        if (stop.aborted) {
          break
        }
        endStreak()
        // When the answer came: a gauge's value is as of its reading, not of the request.
        emit({
          type: 'metric.sample',
          metricId: metric.id,
          name: metric.name,
          sample: { t: now(), value },
        })
      } catch (error) {
        if (stop.aborted) {
          break
        }
        lastError = error instanceof Error ? error.message : String(error)
        streak += 1
        if (streak === 1) {
          emit({ type: 'metric.failed', metricId: metric.id, name: metric.name, error: lastError })
        }
      }
      // A fixed cadence: the next reading is due an interval after this one began.
      await sleep(Math.max(0, started + metric.intervalMs - now()), stop).catch(() => undefined)
    }
    endStreak()
  }
}
