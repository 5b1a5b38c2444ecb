/**
 * Recovery of one dead run's ledger, shared by `ordeal recover`, start-up recovery and the
 * Chaos Center when a run process dies (review items 6 and 9). The ledger is undone only while
 * this process holds its run lock (run-lock.ts), and its pending entries are read again under
 * that lock: an entry read before the lock may have been undone meanwhile by another recovery
 * (two recoveries would undo it twice), and a ledger removed meanwhile ('gone') has nothing
 * left to undo, whatever a stale read said.
 * @module
 */
import { rmSync } from 'node:fs'
import path from 'node:path'
import { Ledger, pendingEntries, runIdOfLedger, type LedgerEntry } from './ledger.js'
import { tryLockLedger, type RunLock } from './run-lock.js'
import { executeUndo } from './undo.js'

export interface RecoveredRun {
  runId: string
  /** Labels of the undos carried out, in the order done (newest entry first). */
  undone: string[]
  /** `label: error` of the undos that failed; they stay pending for `ordeal recover`. */
  failed: string[]
}

export interface RecoverLedgerOptions {
  /** Who recovers, written into the ledger's undone marks. */
  by: string
  /** Why, written into the ledger's undone marks. */
  reason: string
  /** Called after each undo: `error` when it failed. */
  onUndo?(entry: LedgerEntry, error?: string): void
  /** Remove the ledger when nothing is left pending (later scans need not read it again). */
  removeWhenDone?: boolean
}

/**
 * Takes the ledger's lock and undoes what it still lists.
 * @returns what was undone, 'held' when its run (or another recovery) holds the lock, 'gone'
 *   when the ledger no longer exists
 */
export async function recoverLedger(
  file: string,
  options: RecoverLedgerOptions
): Promise<RecoveredRun | 'held' | 'gone'> {
  const lock = tryLockLedger(file)
  if (typeof lock === 'string') {
    return lock
  }
  return recoverLockedLedger(file, lock, options)
}

/** Undoes what `file` lists while `lock` (its run lock, taken by the caller) is held; releases it. */
export async function recoverLockedLedger(
  file: string,
  lock: RunLock,
  options: RecoverLedgerOptions
): Promise<RecoveredRun> {
  try {
    const runId = runIdOfLedger(file)
    const run: RecoveredRun = { runId, undone: [], failed: [] }
    const ledger = new Ledger(runId, path.dirname(file), options.by)
    // Read under the lock; newest first, as the watchdog does: a pause's SIGCONT before its
    // service is ended. A file removed since the lock was taken reads as empty.
    for (const entry of pendingEntries(file).reverse()) {
      try {
        const note = await executeUndo(entry.undo)
        ledger.markUndone(entry.id, options.reason)
        run.undone.push(`${entry.undo.label}${note === undefined ? '' : ` (${note})`}`)
        options.onUndo?.(entry)
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error)
        run.failed.push(`${entry.undo.label}: ${why}`)
        options.onUndo?.(entry, why)
      }
    }
    if (options.removeWhenDone && run.failed.length === 0) {
      rmSync(file, { force: true })
    }
    return run
  } finally {
    lock.release()
  }
}
