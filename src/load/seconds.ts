/**
 * Per-second bookkeeping of one generator thread: counters and two latency histograms per
 * second of the load. Each event lands in the second of its own timestamp, so a late flush
 * never moves it; a second is reported once it is over.
 * @module
 */
import { performance } from 'node:perf_hooks'
import type { EventLoopUtilization } from 'node:perf_hooks'
import type { OpOutcome } from './contract.js'
import { addEncoded, createHistogram, encodeHistogram, recordMs } from './histograms.js'
import type { Histogram } from './histograms.js'

export interface Counts {
  sent: number
  ok: number
  errors: { http: number; timeout: number; connection: number }
  dropped: number
}

export interface SecondReport extends Counts {
  second: number
  /** Requests in flight when the second was reported. */
  inFlight: number
  /** How long the oldest of them had been waiting then, ms (0 or absent when none). */
  oldestMs?: number
  /** The worst schedule lag (actual − intended dispatch) in this second, ms. */
  lagMs: number
  /** Event-loop utilisation of the generator thread during this second, 0..1. */
  elu: number
  /** Response time (from the intended send) of this second's completions, µs. */
  response: Histogram
  /** Service time (from the actual send) of this second's completions, µs. */
  service: Histogram
}

/** A SecondReport as it crosses from a worker thread: histograms compressed. */
export type EncodedSecondReport = Omit<SecondReport, 'response' | 'service'> & {
  response: string
  service: string
}

export function encodeReport(report: SecondReport): EncodedSecondReport {
  const encoded = {
    ...report,
    response: encodeHistogram(report.response),
    service: encodeHistogram(report.service),
  }
  report.response.destroy()
  report.service.destroy()
  return encoded
}

export function decodeReport(encoded: EncodedSecondReport): SecondReport {
  const response = createHistogram()
  const service = createHistogram()
  addEncoded(response, encoded.response)
  addEncoded(service, encoded.service)
  return { ...encoded, response, service }
}

export function emptyCounts(): Counts {
  return { sent: 0, ok: 0, errors: { http: 0, timeout: 0, connection: 0 }, dropped: 0 }
}

export class SecondBook {
  readonly #t0: number
  readonly #open = new Map<number, SecondReport>()
  #next = 0
  #elu: EventLoopUtilization = performance.eventLoopUtilization()

  constructor(t0: number) {
    this.#t0 = t0
  }

  /** The second (since t0) that epoch time `time` falls in; never before the first unreported. */
  secondOf(time: number): number {
    return Math.max(this.#next, Math.floor((time - this.#t0) / 1000))
  }

  sent(time: number, lagMs: number): void {
    const s = this.#at(time)
    s.sent++
    s.lagMs = Math.max(s.lagMs, lagMs)
  }

  dropped(time: number, lagMs: number): void {
    const s = this.#at(time)
    s.dropped++
    s.lagMs = Math.max(s.lagMs, lagMs)
  }

  completed(
    time: number,
    outcome: OpOutcome,
    responseMs: number,
    serviceMs: number | undefined
  ): void {
    const s = this.#at(time)
    if (outcome === 'ok') {
      s.ok++
    } else if (outcome === 'http-error') {
      s.errors.http++
    } else if (outcome === 'timeout') {
      s.errors.timeout++
    } else {
      s.errors.connection++
    }
    recordMs(s.response, responseMs)
    if (serviceMs !== undefined) {
      recordMs(s.service, serviceMs)
    }
  }

  /** Reports every second that ended before `time` (all of them with `final`), in order. */
  flush(time: number, inFlight: number, final = false, oldestMs = 0): SecondReport[] {
    const until = final ? this.secondOf(time) + 1 : Math.floor((time - this.#t0) / 1000)
    const reports: SecondReport[] = []
    for (; this.#next < until; this.#next++) {
      const report = this.#open.get(this.#next) ?? this.#create(this.#next)
      this.#open.delete(this.#next)
      const elu = performance.eventLoopUtilization(this.#elu)
      this.#elu = performance.eventLoopUtilization()
      reports.push({
        ...report,
        inFlight,
        oldestMs,
        elu: reports.length === 0 ? elu.utilization : 0,
      })
    }
    return reports
  }

  #at(time: number): SecondReport {
    const second = this.secondOf(time)
    return this.#open.get(second) ?? this.#create(second)
  }

  #create(second: number): SecondReport {
    const report: SecondReport = {
      second,
      ...emptyCounts(),
      inFlight: 0,
      oldestMs: 0,
      lagMs: 0,
      elu: 0,
      response: createHistogram(),
      service: createHistogram(),
    }
    this.#open.set(second, report)
    return report
  }
}
