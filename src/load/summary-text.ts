/**
 * Text for people: the per-second progress of a load and a k6-like end-of-test summary
 * (THRESHOLDS with ✓/✗, then the HTTP metrics). Response time is k6's `http_req_duration` slot
 * because it is the number that answers "how long did users wait"; service time follows it so
 * the gap between the two (coordinated omission, generator lag) is visible.
 * @module
 */
import pc from 'picocolors'
import type { LatencySummary, LoadSummary, LoadTick, ThresholdResult } from './contract.js'
import { parseThreshold } from './thresholds.js'
import { formatMs, formatPercent, formatRate, formatCount } from '../shared/units.js'
import { completedIn, outstandingText } from './live-text.js'

/** Every figure goes through src/shared/units.ts: `812 µs`, `3.21 ms`, `1.27 s`. */
export { formatMs }

/** Running totals for the progress display, fed one tick at a time. */
export class ProgressTotals {
  /** The planned duration in seconds: a tick past it (in-flight requests draining) sends nothing. */
  readonly #plannedSeconds: number
  sent = 0
  errors = 0
  dropped = 0

  constructor(plannedMs: number) {
    this.#plannedSeconds = plannedMs / 1000
  }

  add(tick: LoadTick): void {
    this.sent += tick.sent
    this.errors += tick.errors.http + tick.errors.timeout + tick.errors.connection
    this.dropped += tick.dropped
  }

  /**
   * The live line: `12s  sent 6000  500/s  p99 3.21 ms  errors 0  dropped 0  in flight 2`;
   * in a second where nothing completed, `0 done in last 1 s, 37 outstanding (oldest 2.3 s)`
   * takes the place of a p99 there is no sample for.
   */
  line(tick: LoadTick): string {
    const elapsed = tick.second + 1
    const rate = formatRate(this.sent / Math.min(elapsed, Math.max(this.#plannedSeconds, 1e-3)))
    const errors = this.errors > 0 ? pc.red(`errors ${this.errors}`) : `errors 0`
    const dropped = this.dropped > 0 ? pc.yellow(`dropped ${this.dropped}`) : 'dropped 0'
    const latency =
      completedIn(tick) === 0 && tick.inFlight > 0
        ? pc.yellow(`0 done in last 1 s, ${outstandingText(tick)}`)
        : `p99 ${formatMs(tick.p99)}  in flight ${tick.inFlight}`
    return `${elapsed}s  sent ${this.sent}  ${rate}  ${errors}  ${dropped}  ${latency}`
  }
}

/** One plain line per second (no terminal): what happened in that second alone. */
export function tickLine(tick: LoadTick): string {
  const { http, timeout, connection } = tick.errors
  const latency =
    completedIn(tick) === 0 && tick.inFlight > 0
      ? `0 done, ${outstandingText(tick)}`
      : `p50 ${formatMs(tick.p50)}  p99 ${formatMs(tick.p99)}  in flight ${tick.inFlight}`
  return (
    `${String(tick.second + 1).padStart(4)}s  sent ${tick.sent}  ok ${tick.ok}  ` +
    `errors ${http + timeout + connection}  dropped ${tick.dropped}  ${latency}`
  )
}

const kLabelWidth = 32

function row(label: string, value: string): string {
  return `    ${label}${'.'.repeat(Math.max(2, kLabelWidth - label.length))}: ${value}`
}

function trend(l: LatencySummary): string {
  // k6's layout: `key=value` pairs separated by spaces, so each figure is written unspaced.
  const f = (ms: number) => formatMs(ms, { compact: true })
  return (
    `avg=${f(l.avg)} min=${f(l.min)} med=${f(l.p50)} ` +
    `max=${f(l.max)} p(90)=${f(l.p90 ?? Number.NaN)} p(95)=${f(l.p95)} ` +
    `p(99)=${f(l.p99)}`
  )
}

/** What a threshold compared, labelled as k6 does: `p(95)=3.21ms`, `rate=0.50%`, `count=0`. */
export function observedText(result: ThresholdResult): string {
  const parsed = parseThreshold(result.metric, result.expression)
  if (!parsed.ok) {
    return String(result.observed)
  }
  if (Number.isNaN(result.observed)) {
    return 'no samples'
  }
  const { aggregation, metric } = parsed.threshold
  const label = aggregation.kind === 'p' ? `p(${aggregation.percentile})` : aggregation.kind
  if (metric.endsWith('_duration')) {
    return `${label}=${formatMs(result.observed, { compact: true })}`
  }
  if (metric === 'http_req_failed') {
    return `rate=${formatPercent(result.observed)}`
  }
  return aggregation.kind === 'count'
    ? `count=${formatCount(result.observed)}`
    : `rate=${formatRate(result.observed)}`
}

export function formatLoadSummary(summary: LoadSummary): string {
  const lines: string[] = ['']
  if (summary.thresholds.length > 0) {
    lines.push(pc.bold('  THRESHOLDS'), '')
    const metrics = [...new Set(summary.thresholds.map((t) => t.metric))]
    for (const metric of metrics) {
      lines.push(`    ${metric}`)
      for (const t of summary.thresholds.filter((r) => r.metric === metric)) {
        const mark = t.ok ? pc.green('✓') : pc.red('✗')
        lines.push(`    ${mark} '${t.expression}' ${observedText(t)}`)
      }
      lines.push('')
    }
  }
  const seconds = summary.durationMs / 1000
  const completed = summary.ok + summary.failed
  const failedPct = completed === 0 ? 0 : (summary.failed / completed) * 100
  const { http, timeout, connection } = summary.errors
  lines.push(pc.bold('  TOTAL RESULTS'), '')
  lines.push(
    row(
      'http_reqs',
      `${summary.requests}  ${summary.rate.achieved.toFixed(2)}/s` +
        // A closed loop has no target: it sends as fast as it is answered.
        (summary.rate.target > 0 ? ` (target ${round(summary.rate.target)}/s)` : ' (closed loop)')
    ),
    row(
      'http_req_failed',
      `${failedPct.toFixed(2)}%  ${summary.failed} out of ${completed}` +
        (summary.failed > 0
          ? ` (${http} status, ${timeout} timeout, ${connection} connection)`
          : '')
    ),
    row('dropped_iterations', `${summary.dropped}  ${(summary.dropped / seconds).toFixed(2)}/s`),
    row('http_req_duration', trend(summary.latency.response)),
    `      ${pc.dim('response time: from when each request was due')}`,
    row('http_req_service_duration', trend(summary.latency.service)),
    `      ${pc.dim('service time: from when each request was actually sent')}`,
    ''
  )
  if (summary.aborted) {
    lines.push(`  ${pc.yellow('stopped early')} after ${seconds.toFixed(1)}s`, '')
  }
  for (const warning of summary.warnings) {
    lines.push(`  ${pc.yellow('warning:')} ${warning}`)
  }
  if (summary.warnings.length > 0) {
    lines.push('')
  }
  return `${lines.join('\n')}\n`
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2)
}
