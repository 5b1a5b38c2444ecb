import type { StageFactory } from '../stage.js'

/**
 * Drops all data. With timeout > 0 the connection closes that long after the stage starts,
 * re-armed by every dropped chunk; 0 holds it open forever. Removing the toxic closes the
 * connection (clients rely on "remove timeout" to end stuck connections).
 */
export const timeout: StageFactory = (ctx) => {
  let timer: NodeJS.Timeout | undefined
  const arm = () => {
    clearTimeout(timer)
    const ms = ctx.toxic.attributes['timeout'] ?? 0
    timer = ms > 0 ? setTimeout(() => ctx.close('fin'), ms) : undefined
  }
  return {
    start: arm,
    async chunk() {
      arm()
    },
    async end() {
      clearTimeout(timer)
      ctx.close('fin')
    },
    stop(removed) {
      clearTimeout(timer)
      if (removed) {
        ctx.close('fin')
      }
    },
  }
}
