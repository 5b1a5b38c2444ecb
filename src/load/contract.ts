/**
 * What the load generator takes and gives back. The engine (a `load` step) and the standalone
 * `ordeal load` command both use `runLoad` from `./generator.ts` with these types.
 * @module
 */
import type { Histogram } from './histograms.js'

export interface LoadStage {
  durationMs: number
  /** Target rate (requests per second) at the end of the stage; linear ramp from the previous. */
  target: number
}

export interface ThresholdSpec {
  /** Metric name: http_req_duration, http_req_service_duration, http_req_failed, http_reqs, dropped_iterations. */
  metric: string
  /** The k6 expression as written, e.g. `p(95)<200`. */
  expression: string
  abortOnFail: boolean
  delayAbortEvalMs: number
}

/** A fully resolved load: every default applied, durations in ms. */
export interface LoadSpec {
  url: string
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  headers: Record<string, string>
  body?: string
  /** Constant arrival: `rate` for `durationMs`. Ramping: `stages` from `startRate`. */
  rate?: number
  startRate: number
  stages?: LoadStage[]
  durationMs: number
  /**
   * Closed loop instead of an open model (no `rate`/`stages`): this many connections, each
   * sending its next request as soon as the previous one is answered, for `durationMs`. It
   * measures the most the system (or the generator) can do, not latency under a given load;
   * maxInFlight and connections are this number.
   */
  concurrency?: number
  maxInFlight: number
  /**
   * Keep-alive connections the generator may open (default: `maxInFlight`, so a request never
   * waits for one). Fewer connections than `maxInFlight` model a fixed connection pool (wrk2):
   * a request due while every connection is busy waits client-side, which response time counts
   * (from the intended send) and service time does not (from the actual send).
   */
  connections?: number
  timeoutMs: number
  /** e.g. '200-399' or '200,201'. */
  expectedStatus: string
  /** Template for the op id known at send time (shares `{{uuid}}`/`{{seq}}` with the body). */
  id?: string
  /** JSONPath whose value in a successful response becomes the op id. */
  capture?: string
  thresholds: ThresholdSpec[]
  workers: number | 'auto'
}

export type OpOutcome = 'ok' | 'http-error' | 'timeout' | 'connection-error'

/**
 * One request in the Jepsen history model: an `invoke`, then exactly one completion. `ok`: the
 * system acknowledged it; `fail`: it definitely did not happen (connection refused before
 * sending, or a 4xx/5xx answer); `info`: unknown (timeout, reset after sending).
 */
export interface HistoryOp {
  /** Request sequence number within this load (0-based). */
  seq: number
  /** Jepsen process id: a worker gets a new one after an `info`, so unknown ops never overlap. */
  process: number
  type: 'invoke' | 'ok' | 'fail' | 'info'
  /** `POST /orders` */
  f: string
  /** The op id (from `id` at invoke; from `capture` or `id` at completion), if any. */
  value?: string
  /** Wall-clock ms since the epoch (fractional). */
  time: number
  /** Completion only: outcome detail (`status 503`, `timeout after 10000ms`, `ECONNREFUSED`). */
  error?: string
  /** Completion only: HTTP status, when there was an answer. */
  status?: number
}

export interface LatencySummary {
  /** Milliseconds (fractional). */
  p50: number
  /** Filled by `runLoad` (the k6-style summary prints p(90)); optional for other producers. */
  p90?: number
  p95: number
  p99: number
  max: number
  min: number
  avg: number
}

/** One second of the run: what the timeline chart and the terminal show. */
export interface LoadTick {
  /** Seconds since the load started (0, 1, 2, ...). */
  second: number
  /** Requests sent in this second. */
  sent: number
  /** Completions in this second, by outcome. */
  ok: number
  errors: { http: number; timeout: number; connection: number }
  dropped: number
  /** Response time (from intended send) of completions in this second, ms. */
  p50: number
  p95: number
  p99: number
  /** Requests in flight at the end of the second. */
  inFlight: number
  /**
   * Age of the oldest of those requests at the end of the second, ms (0 when none): during a
   * stall nothing completes, so no percentile exists and this is what shows it.
   */
  oldestInFlightMs?: number
}

export interface ThresholdResult {
  metric: string
  expression: string
  ok: boolean
  /** The aggregated value it was compared with (e.g. p(95) in ms, or the failure rate). */
  observed: number
}

/** The result; `ordeal load --json` writes exactly this (times in ms). */
export interface LoadSummary {
  requests: number
  ok: number
  failed: number
  dropped: number
  errors: { http: number; timeout: number; connection: number }
  rate: { target: number; achieved: number }
  latency: { service: LatencySummary; response: LatencySummary }
  timeline: LoadTick[]
  thresholds: ThresholdResult[]
  /** Set when the generator itself was the bottleneck (CPU saturated or schedule lag growing). */
  warnings: string[]
  durationMs: number
  /** True when an abortOnFail threshold or the caller's signal stopped the load early. */
  aborted: boolean
}

export interface RunLoadOptions {
  /** Stops the load early (run abort); in-flight requests are awaited up to their timeout. */
  signal?: AbortSignal
  /**
   * Every history op, in order (invoke before its completion). Called on the main thread.
   * Unset, no op is built or sent between threads at all.
   */
  onOp?: (op: HistoryOp) => void
  /** Once per second of load. */
  onTick?: (tick: LoadTick) => void
  /**
   * Once per second, just before its onTick: the second's response-time histogram (µs), to
   * merge exactly (`into.add(h)`) inside the call; it is destroyed right after.
   */
  onTickHistogram?: (second: number, response: Histogram) => void
  /** A threshold with abortOnFail failed during the run (evaluated every 2 s). */
  onAbort?: (result: ThresholdResult) => void
  /** Extra template variables for url/headers/body/id (system variables). */
  vars?: Record<string, unknown>
}
