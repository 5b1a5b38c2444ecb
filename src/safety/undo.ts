/**
 * Carries out ledger undo actions. Each is idempotent: a process already gone, a file already
 * removed, or a pid now owned by another process (start time differs) is success, not error.
 * @module
 */
import { rm } from 'node:fs/promises'
import { ForeignControlFile, writeControlFile } from './control-file.js'
import { isSameProcess, processState } from './proc.js'
import { isAlreadyGone, runArgv } from './exec.js'
import { killCgroup } from './run-cgroup.js'
import { unmountOwn } from './unmount.js'
import { clearDiskRules } from './disk-control.js'
import type { Ledger, LedgerEntry, UndoAction } from './ledger.js'

/**
 * Carries out `action`. Resolves with a note when there was nothing left to undo in an unusual
 * way (a control file no longer ordeal's): callers add it to the entry's label in what they log.
 */
export async function executeUndo(action: UndoAction): Promise<string | undefined> {
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
    case 'write-file':
      try {
        writeControlFile(action.path, action.content)
      } catch (error) {
        // The service's user replaced ordeal's file (or it is gone): nothing of ordeal's is
        // left to put back, and failing would keep the entry pending for ever.
        if (error instanceof ForeignControlFile) {
          // Gone with its run's dir (its process is gone too) is the ordinary case: no note.
          const gone = (error.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
          return gone ? undefined : `already undone: ${error.message}`
        }
        throw error
      }
      return
    case 'remove-cgroup':
      await killCgroup(action.path)
      return
    case 'command': {
      const result = await runArgv(action.argv)
      if (result.code !== 0 && !isAlreadyGone(result.stderr)) {
        const stopped = result.code === 124 ? stoppedArguments(action.argv) : []
        if (stopped.length > 0) {
          throw new Error(
            `${action.label}: no answer: pid ${stopped.join(', ')} is stopped (SIGSTOP, a process-pause?) and cannot answer until it is continued (SIGCONT); the undo stays pending`
          )
        }
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
    case 'disk-clear':
      await clearDiskRules(action.socket)
      return
    case 'unmount':
      await unmountOwn(action.dir, action.source)
      return
    case 'none':
      return
  }
}

/** Undoes one entry and marks it undone in its ledger. */
export async function undoEntry(ledger: Ledger, entry: LedgerEntry): Promise<void> {
  await executeUndo(entry.undo)
  ledger.markUndone(entry.id)
}

/**
 * For a command run under `timeout SECS` that timed out (exit 124): the pids among its own
 * arguments (fiu-ctrl's targets) that are stopped, the usual reason a process never answers.
 */
function stoppedArguments(argv: readonly string[]): number[] {
  const at = argv.indexOf('timeout')
  if (at < 0) {
    return []
  }
  return argv
    .slice(at + 3)
    .filter((arg) => /^\d+$/.test(arg))
    .map(Number)
    .filter((pid) => processState(pid) === 'T')
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
