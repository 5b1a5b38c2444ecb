/**
 * A capacity answer in words, for the terminal summary and `ordeal capacity`:
 * `capacity: 1 840 → 1 210 req/s (−34 %) with process-kill of rabbitmq`. No Node APIs, so the
 * UI can show the same lines.
 * @module
 */
import type { CapacityPhaseResult, CapacityResult, CapacityTrial } from '../shared/capacity.js'
import { formatCount, formatMs } from '../shared/units.js'

function rate(phase: CapacityPhaseResult): string {
  return phase.sustainable === null ? 'none' : formatCount(phase.sustainable)
}

/** The answer on one line. */
export function capacityLine(result: CapacityResult): string {
  const { baseline, fault } = result
  if (!fault) {
    return `capacity: ${rate(baseline)} req/s (±${percent(result.precision * 100)})`
  }
  const change =
    result.changePercent !== undefined
      ? ` (${signed(result.changePercent)})`
      : result.changeUnknown !== undefined
        ? ' (change unknown: the baseline is a lower bound)'
        : ''
  return `capacity: ${rate(baseline)} → ${rate(fault)} req/s${change} with ${fault.faultName}${fault.mode === 'per-trial' ? ' (per trial)' : ''}`
}

/** What else a reader must know about a phase: where errors begin, its limits, the bracket. */
export function phaseDetail(phase: CapacityPhaseResult): string {
  const parts = [
    `${phase.phase}: ${phase.sustainable === null ? 'even the start rate failed' : `${formatCount(phase.sustainable)} req/s held`}`,
  ]
  if (phase.bracket.high !== null) {
    parts.push(`${formatCount(phase.bracket.high)} req/s failed`)
  } else if (phase.sustainable !== null && !phase.generatorLimited) {
    parts.push('max reached')
  }
  if (phase.errorsFrom !== undefined) {
    parts.push(`errors from ${formatCount(phase.errorsFrom)} req/s`)
  }
  parts.push(`${phase.trials} trial${phase.trials === 1 ? '' : 's'}`)
  return parts.join(', ') + (phase.note ? `; ${phase.note}` : '')
}

/** One trial as `ordeal capacity` prints it when it ends. */
export function trialLine(t: CapacityTrial): string {
  const mark = t.passed ? '✓' : '✗'
  return (
    `${mark} ${t.phase} ${t.stage.padEnd(6)} ${formatCount(t.rate).padStart(7)} req/s: ` +
    `sent ${formatCount(t.achieved)}/s, ok ${formatCount(t.throughput)}/s, ` +
    `errors ${percent(t.errorRate * 100)}, p50 ${formatMs(t.p50)}, p99 ${formatMs(t.p99)}` +
    `${t.stoppedEarly ? ', stopped early' : ''}${t.passed || !t.reason ? '' : ` (${t.reason})`}`
  )
}

function percent(x: number): string {
  return `${Math.round(x * 10) / 10} %`
}

function signed(x: number): string {
  return x < 0 ? `−${percent(-x)}` : `+${percent(x)}`
}
