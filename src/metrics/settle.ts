/**
 * After the steps, before the checks: keeps the run (and so the sampler) going until every
 * `backlog` / `recovery` check's window is covered or decided (window.ts), so a fault that is
 * the last step needs no `wait:` after it. Bounded by `notAfter` (the run's deadline, less the
 * time the checks and teardown need) and stopped at once by `signal` (abort, Ctrl+C).
 * @module
 */
import type { FaultWindow } from '../checks/contract.js'
import type { JournalEvent, JournalEventBody } from '../engine/events.js'
import type { JournalListener } from '../engine/journal.js'
import { sleep as realSleep } from '../shared/duration.js'
import { formatMs } from '../shared/units.js'
import { isMetricCheck, samplesOf, type MetricCheckParams } from './judge.js'
import type { MetricSpec } from './contract.js'
import { pendingWindow, waitingMessage, type PendingWindow } from './window.js'

export interface SettleOptions {
  checks: readonly { params: { type: string } }[]
  metrics: readonly MetricSpec[]
  journal: {
    readonly events: readonly JournalEvent[]
    subscribe(listener: JournalListener): () => void
  }
  emit: (body: JournalEventBody) => void
  faults: () => FaultWindow[]
  /** ms since the epoch: never wait past it. */
  notAfter: number
  signal: AbortSignal
  now?: () => number
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
}

/** Resolves once nothing is pending, the bound is reached or `signal` aborts; never throws. */
export async function awaitMetricWindows(options: SettleOptions): Promise<void> {
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? realSleep
  const intervals = new Map(options.metrics.map((m) => [m.name, m.intervalMs]))
  const checks = options.checks
    .map((c) => c.params)
    .filter(isMetricCheck)
    .filter((p): p is MetricCheckParams => intervals.has(p.metric))
  if (checks.length === 0) {
    return
  }
  const pending = (): PendingWindow[] => {
    const faults = options.faults()
    const t = now()
    return checks.flatMap((p) => {
      const w = pendingWindow(
        p,
        samplesOf(options.journal.events, p.metric),
        faults,
        intervals.get(p.metric)!,
        t
      )
      return w ? [w] : []
    })
  }
  // Re-judged at each new reading of a pending metric, not on a poll: event-driven.
  let wake: AbortController | undefined
  let watched = new Set<string>()
  const unsubscribe = options.journal.subscribe((e) => {
    if (e.type === 'metric.sample' && watched.has(e.name)) {
      wake?.abort()
    }
  })
  let announced = false
  try {
    while (!options.signal.aborted) {
      const open = pending()
      const until = Math.min(options.notAfter, Math.max(...open.map((p) => p.until)))
      const waitMs = until - now()
      if (open.length === 0 || waitMs <= 0) {
        return
      }
      if (!announced) {
        announced = true
        options.emit({
          type: 'metric.waiting',
          metrics: [...new Set(open.map((p) => p.metric))],
          waitMs,
          message: waitingMessage(open, formatMs(Math.ceil(waitMs / 1000) * 1000)),
        })
      }
      watched = new Set(open.map((p) => p.metric))
      wake = new AbortController()
      await sleep(waitMs, AbortSignal.any([options.signal, wake.signal])).catch(() => undefined)
    }
  } finally {
    unsubscribe()
  }
}
