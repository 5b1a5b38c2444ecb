import type { StageFactory } from '../stage.js'

/**
 * `rate` KB/s (1 KB = 1000 bytes, so rate is bytes per ms). A virtual clock carries timer
 * error from one chunk to the next, so the average rate holds even with 1 ms timers. Chunks
 * above rate*100 bytes go out in 100 ms pieces, as the reference does.
 */
export const bandwidth: StageFactory = (ctx) => {
  let next = 0
  return {
    async chunk(chunk, emit) {
      const rate = Math.max(1, ctx.toxic.attributes['rate'] ?? 1)
      const pieceSize = rate * 100
      next = Math.max(next, performance.now())
      let data = chunk.data
      while (data.length > 0) {
        const piece = data.subarray(0, pieceSize)
        data = data.subarray(piece.length)
        next += piece.length / rate
        const wait = next - performance.now()
        if (wait > 0) {
          await ctx.sleep(wait)
        }
        await emit({ data: piece, at: Math.max(chunk.at, next) })
      }
    },
  }
}
