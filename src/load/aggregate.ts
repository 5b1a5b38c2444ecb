/**
 * Merges what the generator threads report: running totals (for thresholds and the summary)
 * updated as reports arrive, and one LoadTick per second once every thread has reported that
 * second (or finished).
 * @module
 */
import type { LoadTick } from './contract.js'
import { createHistogram, percentileMs } from './histograms.js'
import type { Histogram } from './histograms.js'
import { emptyCounts } from './seconds.js'
import type { Counts, SecondReport } from './seconds.js'

interface PendingSecond extends Counts {
  inFlight: number
  oldestMs: number
  response: Histogram
}

export class Aggregator {
  readonly counts: Counts = emptyCounts()
  readonly response = createHistogram()
  readonly service = createHistogram()
  readonly timeline: LoadTick[] = []
  /** Per second: the worst schedule lag (ms) and event-loop utilisation over all threads. */
  readonly lagMs: number[] = []
  readonly elu: number[] = []
  readonly #onTick: ((tick: LoadTick) => void) | undefined
  readonly #onHistogram: ((second: number, response: Histogram) => void) | undefined
  readonly #pending = new Map<number, PendingSecond>()
  /** Per thread: the next second it has not reported yet, or Infinity once it is done. */
  readonly #frontier: number[]

  constructor(
    threads: number,
    onTick?: (tick: LoadTick) => void,
    onHistogram?: (second: number, response: Histogram) => void
  ) {
    this.#frontier = Array.from({ length: threads }, () => 0)
    this.#onTick = onTick
    this.#onHistogram = onHistogram
  }

  get completed(): number {
    const { ok, errors } = this.counts
    return ok + errors.http + errors.timeout + errors.connection
  }

  get failed(): number {
    const { errors } = this.counts
    return errors.http + errors.timeout + errors.connection
  }

  add(thread: number, reports: SecondReport[]): void {
    for (const report of reports) {
      addCounts(this.counts, report)
      this.response.add(report.response)
      this.service.add(report.service)
      const pending = this.#pending.get(report.second) ?? this.#create(report.second)
      addCounts(pending, report)
      pending.inFlight += report.inFlight
      pending.oldestMs = Math.max(pending.oldestMs, report.oldestMs ?? 0)
      pending.response.add(report.response)
      report.response.destroy()
      report.service.destroy()
      this.lagMs[report.second] = Math.max(this.lagMs[report.second] ?? 0, report.lagMs)
      this.elu[report.second] = Math.max(this.elu[report.second] ?? 0, report.elu)
      this.#frontier[thread] = Math.max(this.#frontier[thread] ?? 0, report.second + 1)
    }
    this.#emit()
  }

  threadDone(thread: number): void {
    this.#frontier[thread] = Number.POSITIVE_INFINITY
    this.#emit()
  }

  #emit(): void {
    const ready = Math.min(...this.#frontier)
    const last = Math.max(-1, ...this.#pending.keys())
    const until = Number.isFinite(ready) ? ready : last + 1
    for (let second = this.timeline.length; second < until; second++) {
      const pending = this.#pending.get(second) ?? this.#create(second)
      this.#pending.delete(second)
      const tick: LoadTick = {
        second,
        sent: pending.sent,
        ok: pending.ok,
        errors: { ...pending.errors },
        dropped: pending.dropped,
        p50: percentileMs(pending.response, 50),
        p95: percentileMs(pending.response, 95),
        p99: percentileMs(pending.response, 99),
        inFlight: pending.inFlight,
        oldestInFlightMs: pending.oldestMs,
      }
      this.#onHistogram?.(second, pending.response)
      pending.response.destroy()
      this.lagMs[second] ??= 0
      this.elu[second] ??= 0
      this.timeline.push(tick)
      this.#onTick?.(tick)
    }
  }

  #create(second: number): PendingSecond {
    const pending = { ...emptyCounts(), inFlight: 0, oldestMs: 0, response: createHistogram() }
    this.#pending.set(second, pending)
    return pending
  }
}

function addCounts(into: Counts, from: Counts): void {
  into.sent += from.sent
  into.ok += from.ok
  into.dropped += from.dropped
  into.errors.http += from.errors.http
  into.errors.timeout += from.errors.timeout
  into.errors.connection += from.errors.connection
}
