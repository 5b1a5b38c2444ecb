/**
 * `runLoad`: the open-model HTTP load generator behind a `load` step and `ordeal load`.
 *
 * Request i is due at t0 + its scheduled offset whatever the system does; a request due while
 * maxInFlight are outstanding is dropped and counted. Every request has two latencies: service
 * time from its actual send and response time from its intended send, so a stall shows up once
 * per request that should have been sent (no coordinated omission). Thresholds are evaluated
 * every 2 s and at the end, as in k6.
 * @module
 */
import type {
  HistoryOp,
  LoadSpec,
  LoadSummary,
  RunLoadOptions,
  ThresholdResult,
} from './contract.js'
import { Aggregator } from './aggregate.js'
import { now } from './clock.js'
import { aggregate, summarize } from './histograms.js'
import { forEachOp } from './op-batch.js'
import { prepareLoad } from './prepare.js'
import { createSchedule } from './schedule.js'
import { decodeReport } from './seconds.js'
import { SliceRunner } from './slice.js'
import type { SliceResult } from './slice.js'
import { evaluateThreshold } from './thresholds.js'
import type { MetricSource } from './thresholds.js'
import { bottleneckWarnings } from './warnings.js'
import { planThreads, sliceConfigs, startWorker } from './workers.js'
import type { WorkerHandle } from './workers.js'

export { LoadSpecError } from './prepare.js'

/** How often thresholds are evaluated during the run (k6: 2 s). */
export const THRESHOLD_INTERVAL_MS = 2000

// Worker threads get t0 this far ahead, so every one of them has it before request 0 is due.
const kWorkerStartMarginMs = 50

interface Threads {
  t0: number
  stop(): void
  /** One per thread, resolving when it has sent and settled everything. */
  done: Promise<SliceResult>[]
}

/**
 * Runs the load and resolves with its summary once every request has completed. Rejects with
 * a LoadSpecError, before sending anything, when the spec cannot run (bad template, URL,
 * expected status list or threshold).
 */
export async function runLoad(spec: LoadSpec, options: RunLoadOptions = {}): Promise<LoadSummary> {
  const load = prepareLoad(spec, options.vars)
  const schedule = createSchedule(load.schedule)
  const threadCount = planThreads(spec.workers, schedule.peakRate, load.maxInFlight)
  let callbackError: unknown
  // Set once the threads exist; a callback can only throw after that.
  const stopper = { stop: () => undefined as void }
  // A throwing callback must not leave requests running or kill a worker: stop and rethrow.
  const guard = <A extends unknown[]>(fn: ((...args: A) => void) | undefined) =>
    fn === undefined
      ? undefined
      : (...args: A) => {
          try {
            fn(...args)
          } catch (error) {
            callbackError ??= error
            stopper.stop()
          }
        }
  // Unset, ops are neither built nor shipped from worker threads (most of a worker's cost).
  const onOp = guard(options.onOp)
  const aggregator = new Aggregator(
    threadCount,
    guard(options.onTick),
    guard(options.onTickHistogram)
  )
  const threads =
    threadCount === 1
      ? startMainThread(load, onOp, aggregator)
      : await startWorkers(load, threadCount, onOp, aggregator)

  stopper.stop = () => threads.stop()
  const { t0 } = threads
  let aborted = false
  const stop = () => {
    aborted = true
    threads.stop()
  }
  const source = (elapsedSeconds: number): MetricSource => ({
    trend: (metric, a) =>
      aggregate(metric === 'http_req_duration' ? aggregator.response : aggregator.service, a),
    completed: aggregator.completed,
    failed: aggregator.failed,
    sent: aggregator.counts.sent,
    dropped: aggregator.counts.dropped,
    elapsedSeconds,
  })
  const onAbort = guard(options.onAbort)
  const evaluate = () => {
    const elapsedMs = now() - t0
    load.thresholds.forEach((threshold, i) => {
      const { abortOnFail, delayAbortEvalMs } = spec.thresholds[i]!
      const result = evaluateThreshold(threshold, source(elapsedMs / 1000))
      if (!result.ok && abortOnFail && elapsedMs >= delayAbortEvalMs && !aborted) {
        stop()
        onAbort?.(result)
      }
    })
  }
  const interval =
    load.thresholds.length > 0 ? setInterval(evaluate, THRESHOLD_INTERVAL_MS) : undefined
  const onSignal = () => stop()
  options.signal?.addEventListener('abort', onSignal, { once: true })
  if (options.signal?.aborted) {
    stop()
  }
  let results: SliceResult[]
  try {
    results = await Promise.all(
      threads.done.map((done, w) =>
        done.then((result) => {
          aggregator.threadDone(w)
          return result
        })
      )
    )
  } catch (error) {
    threads.stop()
    await Promise.allSettled(threads.done)
    throw error
  } finally {
    clearInterval(interval)
    options.signal?.removeEventListener('abort', onSignal)
  }
  if (callbackError !== undefined) {
    throw callbackError
  }

  const sendingEndedAt = Math.max(...results.map((r) => r.sendingEndedAt))
  // The achieved rate is over the time the load actually took to send: the planned duration,
  // or longer when the generator fell behind, or shorter when it was stopped early.
  const sendingMs = aborted
    ? Math.max(1, sendingEndedAt - t0)
    : Math.max(spec.durationMs, sendingEndedAt - t0)
  const finalSource = source(sendingMs / 1000)
  const thresholds: ThresholdResult[] = load.thresholds.map((t) =>
    evaluateThreshold(t, finalSource)
  )
  const { counts } = aggregator
  const summary: LoadSummary = {
    requests: counts.sent,
    ok: counts.ok,
    failed: aggregator.failed,
    dropped: counts.dropped,
    errors: { ...counts.errors },
    rate: { target: schedule.targetRate, achieved: (counts.sent * 1000) / sendingMs },
    latency: { service: summarize(aggregator.service), response: summarize(aggregator.response) },
    timeline: aggregator.timeline,
    thresholds,
    warnings: bottleneckWarnings({
      lagMs: aggregator.lagMs,
      elu: aggregator.elu,
      sendingSeconds: Math.ceil(sendingMs / 1000),
      dropped: counts.dropped,
      maxInFlight: spec.maxInFlight,
    }),
    durationMs: sendingMs,
    aborted,
  }
  aggregator.response.destroy()
  aggregator.service.destroy()
  return summary
}

function startMainThread(
  load: ReturnType<typeof prepareLoad>,
  onOp: ((op: HistoryOp) => void) | undefined,
  aggregator: Aggregator
): Threads {
  const [config] = sliceConfigs(load, 1)
  const t0 = now()
  const runner = new SliceRunner(
    { ...config!, t0 },
    { ...(onOp ? { op: onOp } : {}), seconds: (reports) => aggregator.add(0, reports) }
  )
  return { t0, stop: () => runner.stop(), done: [runner.run()] }
}

async function startWorkers(
  load: ReturnType<typeof prepareLoad>,
  count: number,
  onOp: ((op: HistoryOp) => void) | undefined,
  aggregator: Aggregator
): Promise<Threads> {
  const started = await Promise.allSettled(
    sliceConfigs(load, count).map((config, w) =>
      startWorker(config, onOp !== undefined, {
        ops: (batch) => {
          if (onOp) {
            forEachOp(batch, load.f, onOp)
          }
        },
        seconds: (reports) => aggregator.add(w, reports.map(decodeReport)),
      })
    )
  )
  const handles = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  const failure = started.find((s) => s.status === 'rejected')
  if (failure) {
    // Nothing was sent yet: end the workers that did start (start at t0 = now, stop at once).
    await stopUnstarted(handles)
    throw failure.reason
  }
  const t0 = now() + kWorkerStartMarginMs
  handles.forEach((h) => h.start(t0))
  return {
    t0,
    stop: () => handles.forEach((h) => h.stop()),
    done: handles.map((h) => h.done),
  }
}

async function stopUnstarted(handles: WorkerHandle[]): Promise<void> {
  const never = now() + 3_600_000
  handles.forEach((h) => {
    h.start(never)
    h.stop()
  })
  await Promise.allSettled(handles.map((h) => h.done))
}
