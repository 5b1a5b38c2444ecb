/**
 * A repeating fault's `interval` (process-kill, pod-delete): a value, a range or a jitter
 * (src/shared/timing-range.ts), drawn per repeat from the run's seed by the fault step.
 * @module
 */
import { parseTiming, type TimingRange } from '../shared/timing-range.js'
import { FaultInjectionError } from './contract.js'

/** `interval` as the schema accepted it; refused here too for a caller that skipped the schema. */
export function intervalOf(text: string | undefined): TimingRange | undefined {
  if (text === undefined) {
    return undefined
  }
  const parsed = parseTiming(text, { positive: true })
  if (!parsed.ok) {
    throw new FaultInjectionError(`interval ${parsed.message}`)
  }
  return parsed.range
}
