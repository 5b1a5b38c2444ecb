/**
 * Carries out ledger undo actions. Each is idempotent: a process already gone, a file already
 * removed, or a pid now owned by another process (start time differs) is success, not error.
 * @module
 */
import { rm } from 'node:fs/promises'
import { isSameProcess } from './proc.js'
import { isAlreadyGone, runArgv } from './exec.js'
import { killCgroup } from './run-cgroup.js'
import type { Ledger, LedgerEntry, UndoAction } from './ledger.js'

export async function executeUndo(action: UndoAction): Promise<void> {
  switch (action.kind) {
    case 'signal':
      if (isSameProcess(action.pid, action.startTime)) {
        sendSignal(action.group ? -action.pid : action.pid, action.signal)
      }
      return
    case 'terminate':
      if (isSameProcess(action.pid, action.startTime)) {
        // Helpers are started detached as group leaders: kill the group, so their children go too.
        sendSignal(-action.pid, 'SIGKILL')
        sendSignal(action.pid, 'SIGKILL')
      }
      return
    case 'remove-file':
      await rm(action.path, { force: true })
      return
    case 'remove-cgroup':
      await killCgroup(action.path)
      return
    case 'command': {
      const result = await runArgv(action.argv)
      if (result.code !== 0 && !isAlreadyGone(result.stderr)) {
        throw new Error(
          `${action.label}: ${action.argv.join(' ')} exited ${result.code}: ${result.stderr.trim()}`
        )
      }
      return
    }
    case 'kubernetes': {
      // Loaded lazily: client-node is heavy and a local run never needs it.
      const { executeKubeUndo } = await import('./kube-undo.js')
      await executeKubeUndo(action)
      return
    }
    case 'none':
      return
  }
}

/** Undoes one entry and marks it undone in its ledger. */
export async function undoEntry(ledger: Ledger, entry: LedgerEntry): Promise<void> {
  await executeUndo(entry.undo)
  ledger.markUndone(entry.id)
}

function sendSignal(target: number, signal: NodeJS.Signals): void {
  try {
    process.kill(target, signal)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
      throw error
    }
  }
}
