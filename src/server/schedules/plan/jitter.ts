/**
 * A tick's jitter: a deterministic offset in [0, jitter) derived from the experiment, the
 * schedule and the due time, so a restarted server (or a second look at the next ticks)
 * computes the same fire time, and schedules sharing a minute still spread out.
 * @module
 */
import { createHash } from 'node:crypto'

export function jitterOf(
  experimentId: string,
  name: string,
  dueAt: number,
  jitterMs: number
): number {
  if (jitterMs <= 0) {
    return 0
  }
  const digest = createHash('sha256').update(`${experimentId}\0${name}\0${dueAt}`).digest()
  // 48 bits are plenty of resolution for any jitter a schedule may ask for.
  const fraction = digest.readUIntBE(0, 6) / 2 ** 48
  return Math.floor(fraction * jitterMs)
}
