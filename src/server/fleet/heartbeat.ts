/**
 * Heartbeat timing, pure: the fleet's tick asks, per connection, whether to ping it now or
 * declare it dead. Any frame from the agent counts as a sign of life (`lastFrameAt`), so a
 * busy agent streaming events is never taken for dead behind a late pong; two heartbeats of
 * silence are (design §2), which also catches a half-open TCP connection the kernel still
 * believes in.
 * @module
 */

/** `ordeal server --agent-heartbeat` bounds and default. */
export const HEARTBEAT_MIN_MS = 200
export const HEARTBEAT_MAX_MS = 60_000
export const DEFAULT_HEARTBEAT_MS = 5000
/** Silent for more than this many heartbeats: dead. */
export const MISSED_HEARTBEATS = 2

export interface HeartbeatState {
  /** When the last frame of any kind arrived (or the connection opened). */
  lastFrameAt: number
  /** When the last ping was sent (the connection's open time before the first). */
  lastPingAt: number
}

export type HeartbeatAction = 'dead' | 'ping' | 'wait'

export function heartbeatAction(
  now: number,
  state: HeartbeatState,
  heartbeatMs: number
): HeartbeatAction {
  if (now - state.lastFrameAt > MISSED_HEARTBEATS * heartbeatMs) {
    return 'dead'
  }
  return now - state.lastPingAt >= heartbeatMs ? 'ping' : 'wait'
}

/**
 * How often the fleet ticks: 250 ms (design §2), finer for heartbeats under a second so that
 * "dead within 2 heartbeats" holds at the 200 ms minimum too.
 */
export function tickMs(heartbeatMs: number): number {
  return Math.min(250, Math.max(50, Math.floor(heartbeatMs / 4)))
}
