import type { StageFactory } from '../stage.js'

/**
 * Waits for the first chunk (or EOF), discards it, and `timeout` ms later closes the
 * connection: with a TCP RST when the toxic was there at accept (SO_LINGER=0 in the
 * reference), else with a FIN. An idle connection is never reset.
 */
export const resetPeer: StageFactory = (ctx) => {
  const fire = async () => {
    // Not interruptible: the reference's wait ignores re-wiring too.
    await ctx.sleep(ctx.toxic.attributes['timeout'] ?? 0, false)
    ctx.close(ctx.resetOnClose ? 'rst' : 'fin')
  }
  return { chunk: fire, end: fire }
}
