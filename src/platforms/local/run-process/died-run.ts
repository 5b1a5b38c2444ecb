/**
 * A run process that died without ending its run (review item 9). Its detached watchdog
 * normally rolls the faults back; when the watchdog died too (SIGKILLed with it, an OOM kill),
 * nothing would undo them until the server's next start. So the server waits until the run's
 * lock is free (the watchdog, if alive, has finished), then undoes what the ledger still lists
 * with start-up recovery's own code (engine/startup-recovery.ts), and returns the
 * `run.recovered` event for the run's journal.
 * @module
 */
import path from 'node:path'
import type { JournalEventBody } from '../../../engine/events.js'
import { stateDir } from '../../../safety/ledger.js'
import { lockLedgerWaiting } from '../../../safety/run-lock.js'
import { recoverDeadLedger, recoveredEvent } from '../../../engine/startup-recovery.js'
import { DEFAULT_LEASE_MS } from '../../../safety/watchdog/lease.js'

export const DIED_RUN_BY = 'ordeal server (its run process died)'

/**
 * A live watchdog notices its runner is gone within a lease and then undoes; this is how long
 * its undos (namespaces, services) may take on top before the server stops waiting.
 */
const kUndoGraceMs = 30_000

/**
 * @returns the event to record, or undefined when nothing was left to undo (the watchdog did
 *   it), the ledger is gone, or its lock was still held after the wait (logged; the next
 *   start-up recovery or `ordeal recover` takes it then)
 */
export async function recoverDiedRun(
  runId: string,
  log: (line: string) => void
): Promise<JournalEventBody | undefined> {
  const file = path.join(stateDir(), 'ledgers', `${runId}.ndjson`)
  const leaseMs = Number(process.env['ORDEAL_LEASE_MS'] ?? DEFAULT_LEASE_MS)
  const waitMs = (Number.isFinite(leaseMs) ? leaseMs : DEFAULT_LEASE_MS) + kUndoGraceMs
  const lock = await lockLedgerWaiting(file, waitMs)
  if (lock === 'gone') {
    return undefined
  }
  if (lock === 'held') {
    log(`run ${runId}: its ledger is still locked after ${waitMs} ms; not recovered now`)
    return undefined
  }
  const run = await recoverDeadLedger(file, { by: DIED_RUN_BY, log }, lock)
  if (typeof run === 'string' || run.undone.length + run.failed.length === 0) {
    return undefined
  }
  return recoveredEvent(run, DIED_RUN_BY)
}
