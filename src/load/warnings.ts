/**
 * Says when the generator, not the system, was the bottleneck. An open-model generator that
 * cannot keep its schedule sends late and, at the extreme, falls back into the closed loop it
 * exists to avoid: the system sees less load than asked and latency is under-reported.
 * @module
 */

/** Schedule lag worth a warning: well above timer granularity and GC pauses. */
export const LAG_WARNING_MS = 100
/** Event-loop utilisation that means the generator thread had no idle time left. */
export const ELU_WARNING = 0.95

export interface BottleneckInput {
  /** Per second of the load: the worst schedule lag (ms) and event-loop utilisation. */
  lagMs: number[]
  elu: number[]
  /** Seconds during which requests were still being scheduled. */
  sendingSeconds: number
  dropped: number
  maxInFlight: number
}

export function bottleneckWarnings(input: BottleneckInput): string[] {
  const warnings: string[] = []
  const lags = input.lagMs.slice(0, Math.max(1, input.sendingSeconds))
  const worst = Math.max(0, ...lags)
  if (worst >= LAG_WARNING_MS) {
    const growing = isGrowing(lags)
    warnings.push(
      `the load generator could not keep up: schedule lag ${Math.round(worst)} ms` +
        `${growing ? ' and growing' : ''}; results under-report latency`
    )
  }
  const busy = input.elu.slice(0, Math.max(1, input.sendingSeconds))
  const saturated = busy.filter((u) => u >= ELU_WARNING).length
  // One busy second is a GC or a burst; two or more is a generator short of CPU.
  if (saturated >= 2) {
    const peak = Math.round(Math.max(...busy) * 100)
    warnings.push(
      `the load generator was CPU-bound for ${saturated} s (event-loop utilisation ${peak}%); ` +
        'use more workers or a lower rate, or the achieved rate and latencies are unreliable'
    )
  }
  if (input.dropped > 0) {
    warnings.push(
      `${input.dropped} requests dropped: ${input.maxInFlight} were already in flight when they ` +
        'were due (raise maxInFlight, or the system is slower than rate × latency allows)'
    )
  }
  return warnings
}

/** The lag rose over the last seconds of sending, rather than spiking once and recovering. */
function isGrowing(lags: number[]): boolean {
  const tail = lags.slice(-3)
  if (tail.length < 2) {
    return false
  }
  return tail.every((lag, i) => i === 0 || lag >= tail[i - 1]!) && tail.at(-1)! > tail[0]!
}
