import type { StageFactory } from '../stage.js'

/**
 * Each chunk leaves at arrival + latency ± jitter, measured from its stamp so stacked
 * latencies add up and a queue behind a slow chunk does not add its wait twice.
 */
export const latency: StageFactory = (ctx) => ({
  async chunk(chunk, emit) {
    const { latency = 0, jitter = 0 } = ctx.toxic.attributes
    const delay = latency + (jitter > 0 ? Math.floor(ctx.random() * 2 * jitter) - jitter : 0)
    chunk.at += delay
    const wait = chunk.at - performance.now()
    if (wait > 0) {
      await ctx.sleep(wait)
    }
    await emit(chunk)
  },
})
