import type { StageFactory } from '../stage.js'

/** Data passes untouched; the EOF is held back `delay` ms before the other side is closed. */
export const slowClose: StageFactory = (ctx) => ({
  chunk: (chunk, emit) => emit(chunk),
  async end() {
    await ctx.sleep(ctx.toxic.attributes['delay'] ?? 0, false)
  },
})
