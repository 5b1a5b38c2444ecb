/**
 * The runner's side of the watchdog lease: start the detached watchdog, heartbeat on its stdin,
 * and say `done` at a clean end. See `main.ts` for what the watchdog does when this stops.
 * @module
 */
import { spawn } from 'node:child_process'
import { openSync, closeSync } from 'node:fs'
import { childExecArgv, siblingScript } from '../node-child.js'

/** How long without a heartbeat before the watchdog undoes everything. */
export const DEFAULT_LEASE_MS = 3000
const kHeartbeatMs = 500

export interface Lease {
  pid: number
  /**
   * Clean end: the watchdog undoes anything still listed (nothing, normally) and exits. With
   * `wait: false` (undos still pending, e.g. an API server that is down) the runner does not
   * wait: the watchdog keeps retrying on its own for as long as it takes.
   */
  release(options?: { wait?: boolean }): Promise<void>
}

export function startWatchdog(options: {
  ledgerFile: string
  logFile: string
  leaseMs?: number
  /**
   * The run lock's descriptor (run-lock.ts): the watchdog holds it as its fd 3, so the lock
   * stays held until the runner and the watchdog are both gone.
   */
  lockFd?: number
}): Lease {
  const leaseMs = options.leaseMs ?? Number(process.env['ORDEAL_LEASE_MS'] ?? DEFAULT_LEASE_MS)
  const log = openSync(options.logFile, 'a')
  const child = spawn(
    process.execPath,
    [
      ...childExecArgv(),
      siblingScript(import.meta.url, 'main'),
      options.ledgerFile,
      String(leaseMs),
    ],
    {
      // Its own session and group: a signal to the runner's group (Ctrl+C, kill -9 -pgid) misses it.
      detached: true,
      stdio: ['pipe', 'ignore', log, ...(options.lockFd === undefined ? [] : [options.lockFd])],
    }
  )
  closeSync(log)
  const stdin = child.stdin!
  stdin.on('error', () => undefined) // the watchdog may have exited already
  // Stamped with its send time: the watchdog renews the lease from when a beat was sent, so a
  // beat left unread while the watchdog was starved does not extend the lease (main.ts).
  const heartbeat = setInterval(() => stdin.write(`h ${Date.now()}\n`), kHeartbeatMs)
  heartbeat.unref()
  child.unref()
  let exited = false
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => ((exited = true), resolve()))
  )
  return {
    pid: child.pid ?? -1,
    async release({ wait = true } = {}) {
      clearInterval(heartbeat)
      if (!exited) {
        stdin.end('done\n')
        if (wait) {
          child.ref() // keep this process alive until the watchdog has confirmed the clean end
          await exit
        }
      }
    },
  }
}
