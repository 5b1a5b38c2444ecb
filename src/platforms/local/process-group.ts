/**
 * Signals to whole process groups. Replicas are spawned detached, so each leads its own group and
 * teardown reaches the grandchildren a shell wrapper or a forking server leaves behind.
 * @module
 */
import { sleep } from '../../shared/duration.js'
import { groupAlive } from '../../safety/proc-scan.js'
import { settleWithin } from './timing.js'

// Members of a group that are not our children give no exit event; polling /proc is the only way.
const kGroupPollMs = 25
/** Upper bound for a group to disappear after SIGKILL (a process in D state may take a moment). */
const kKillWaitMs = 5000

/** Sends `signal` to every process of the group; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal)
    return true
  } catch {
    return false
  }
}

/** Resolves true once no live process remains in the group, false after `timeoutMs`. */
export async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) {
      return false
    }
    await sleep(Math.min(kGroupPollMs, deadline - Date.now()))
  }
  return true
}

/**
 * SIGTERM to the group, SIGKILL to whatever is left after `graceMs`, then waits until the group is
 * empty. `leaderExited` (when the leader is our child) ends the grace wait early by event.
 */
export async function terminateGroup(
  pgid: number,
  graceMs: number,
  leaderExited?: Promise<unknown>
): Promise<void> {
  if (!groupAlive(pgid)) {
    return
  }
  const deadline = Date.now() + graceMs
  signalGroup(pgid, 'SIGTERM')
  // A paused replica (process-pause fault) cannot act on SIGTERM until continued (systemd does
  // the same), so it still gets its graceful shutdown.
  signalGroup(pgid, 'SIGCONT')
  if (leaderExited) {
    await settleWithin(leaderExited, graceMs)
  }
  await waitGroupGone(pgid, Math.max(0, deadline - Date.now()))
  await killGroup(pgid)
}

/** SIGKILL to the group and wait (bounded) until it is empty; for orphans of a dead leader. */
export async function killGroup(pgid: number): Promise<void> {
  if (groupAlive(pgid)) {
    signalGroup(pgid, 'SIGKILL')
    await waitGroupGone(pgid, kKillWaitMs)
  }
}
