import type { Random } from '../rng.js'
import type { StageFactory } from '../stage.js'

/**
 * Splits each chunk into pieces of about `average_size` (± `size_variation`) bytes, sleeping
 * `delay` µs after each; a re-wire sends the rest without sleeping.
 */
export const slicer: StageFactory = (ctx) => ({
  async chunk(chunk, emit) {
    const { average_size: avg = 1, size_variation: variation = 0, delay = 0 } = ctx.toxic.attributes
    const bounds = cut(0, chunk.data.length, Math.max(1, avg), variation, ctx.random)
    for (let k = 1; k < bounds.length; k++) {
      await emit({ data: chunk.data.subarray(bounds[k - 1], bounds[k]), at: chunk.at })
      if (delay > 0) {
        await ctx.sleep(delay / 1000)
      }
    }
  },
})

/** The reference's recursive halving; the API guarantees 0 <= variation < avg. */
export function cut(start: number, end: number, avg: number, v: number, random: Random): number[] {
  if (end - start - avg <= v) {
    return [start, end]
  }
  let mid = start + Math.floor((end - start) / 2)
  if (v > 0) {
    mid += Math.floor(random() * 2 * v) - v
  }
  return [...cut(start, mid, avg, v, random), ...cut(mid, end, avg, v, random).slice(1)]
}
