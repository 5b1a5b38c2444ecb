/**
 * Start-up recovery (issue 12 §3): before `ordeal server`, `ordeal run` (and an agent) accept
 * work, they undo every pending entry of every ledger under their state directory whose run is
 * dead, i.e. whose run lock is free (run-lock.ts): a run whose runner and watchdog were killed
 * together (an OOM kill, a cgroup kill) left its faults in place, and nobody else will undo
 * them. A live run's ledger is never touched. Each undo is logged, and the recovery is written
 * into the dead run's journal: its NDJSON file here (when it had one), its stored events on a
 * server (the caller does that with the returned list).
 * @module
 */
import { appendFileSync, closeSync, openSync, readSync, fstatSync } from 'node:fs'
import path from 'node:path'
import type { JournalEvent, JournalEventBody } from './events.js'
import {
  ledgerFiles,
  pendingEntries,
  runIdOfLedger,
  stateDir,
  type LedgerEntry,
} from '../safety/ledger.js'
import { readRunInfo } from '../safety/run-info.js'
import type { RunLock } from '../safety/run-lock.js'
import { recoverLedger, recoverLockedLedger, type RecoveredRun } from '../safety/recover-ledger.js'

export type { RecoveredRun }

export interface StartupRecoveryOptions {
  /** Who recovers, written into the ledger's undone marks and the journal: `ordeal server`. */
  by: string
  log(line: string): void
  /** The state directory (default: $ORDEAL_STATE_DIR, else ~/.ordeal). */
  stateDir?: string
}

export const DEAD_RUN_REASON = 'its run died without undoing it (runner and watchdog gone)'

/** Undoes what dead runs left; returns one record per run that had anything pending. */
export async function recoverDeadRuns(options: StartupRecoveryOptions): Promise<RecoveredRun[]> {
  const dir = options.stateDir ?? stateDir()
  const recovered: RecoveredRun[] = []
  for (const file of ledgerFiles(path.join(dir, 'ledgers'))) {
    if (pendingEntries(file).length === 0) {
      continue // nothing to undo: spare the lock check (a process spawn, ~5 ms)
    }
    // Alive (its runner or watchdog holds the lock), being recovered, or removed meanwhile:
    // left alone.
    const run = await recoverDeadLedger(file, options)
    if (typeof run !== 'string' && run.undone.length + run.failed.length > 0) {
      recovered.push(run)
      appendToJournalFile(dir, run.runId, recoveredEvent(run, options.by))
    }
  }
  return recovered
}

/**
 * Recovers one dead run's ledger as start-up recovery does (its lock taken by the caller when
 * `lock` is given), logging each undo. The Chaos Center uses it for a run process that died.
 */
export async function recoverDeadLedger(
  file: string,
  options: Pick<StartupRecoveryOptions, 'by' | 'log'>,
  lock?: RunLock
): Promise<RecoveredRun | 'held' | 'gone'> {
  const runId = runIdOfLedger(file)
  const recoverOptions = {
    by: options.by,
    reason: DEAD_RUN_REASON,
    removeWhenDone: true,
    onUndo: (entry: LedgerEntry, error?: string) =>
      options.log(
        error === undefined
          ? `recovered run ${runId}: undone ${entry.undo.label}`
          : `recovered run ${runId}: could not undo ${entry.undo.label}: ${error}`
      ),
  }
  return lock
    ? recoverLockedLedger(file, lock, recoverOptions)
    : recoverLedger(file, recoverOptions)
}

/** The journal event that records a recovery in the dead run's journal. */
export function recoveredEvent(run: RecoveredRun, by: string): JournalEventBody {
  return {
    type: 'run.recovered',
    by,
    reason: DEAD_RUN_REASON,
    undone: run.undone,
    failed: run.failed,
  }
}

/**
 * Appends `body` to the run's `--journal` file, when `runs/<run>/run.json` names one, with the
 * next sequence number. A torn last line (the runner died mid-write) is ended first.
 */
export function appendToJournalFile(dir: string, runId: string, body: JournalEventBody): void {
  const file = readRunInfo(path.join(dir, 'runs', runId))?.journalFile
  if (!file) {
    return
  }
  let text: string
  try {
    text = readTail(file, 1024 * 1024)
  } catch {
    return // the journal was moved or deleted: nothing to record into
  }
  let seq = -1
  for (const line of text.split('\n')) {
    try {
      seq = Math.max(seq, (JSON.parse(line) as JournalEvent).seq)
    } catch {
      // a torn line, or the first, partial line of the tail
    }
  }
  const event = { ...body, seq: seq + 1, t: Date.now() }
  const lead = text === '' || text.endsWith('\n') ? '' : '\n'
  appendFileSync(file, `${lead}${JSON.stringify(event)}\n`)
}

/** The last `bytes` of a file (journals of load runs are large; the seq is in the last lines). */
function readTail(file: string, bytes: number): string {
  const fd = openSync(file, 'r')
  try {
    const size = fstatSync(fd).size
    const length = Math.min(size, bytes)
    const buffer = Buffer.alloc(length)
    readSync(fd, buffer, 0, length, size - length)
    return buffer.toString('utf8')
  } finally {
    closeSync(fd)
  }
}
