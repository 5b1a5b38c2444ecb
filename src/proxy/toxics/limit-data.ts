import type { StageFactory } from '../stage.js'

/**
 * Lets `bytes` bytes through per connection and direction, then closes the connection. The
 * count lives as long as the toxic on this link, so re-wiring does not reset it.
 */
export const limitData: StageFactory = (ctx) => {
  let passed = 0
  return {
    async chunk(chunk, emit) {
      const limit = ctx.toxic.attributes['bytes'] ?? 0
      const allowed = Math.max(0, limit - passed)
      if (allowed > 0) {
        const data = chunk.data.subarray(0, allowed)
        passed += data.length
        await emit({ data, at: chunk.at })
      }
      if (passed >= limit) {
        ctx.close('fin')
      }
    },
  }
}
