/**
 * The generator's clock: epoch milliseconds with sub-millisecond resolution. `timeOrigin +
 * performance.now()` is monotonic within a thread and comparable across worker threads
 * (each has its own timeOrigin, all on the epoch), which `Date.now()` (ms, steppable) is not.
 * @module
 */
import { performance } from 'node:perf_hooks'

const kOrigin = performance.timeOrigin

export function now(): number {
  return kOrigin + performance.now()
}
