import path from 'node:path'
import { Ledger, ledgerFiles, pendingEntries } from '../../engine/ledger.js'
import { undoEntry } from '../../engine/undo.js'

/** `ordeal recover`: undo everything any ledger still lists. Idempotent. */
export async function recoverCommand(): Promise<number> {
  let undone = 0
  let failed = 0
  for (const file of ledgerFiles()) {
    const ledger = new Ledger(path.basename(file, '.ndjson'), path.dirname(file))
    for (const entry of pendingEntries(file)) {
      try {
        await undoEntry(ledger, entry)
        undone++
        process.stdout.write(`undone: ${entry.undo.label} (run ${entry.runId})\n`)
      } catch (error) {
        failed++
        process.stderr.write(`could not undo ${entry.undo.label}: ${(error as Error).message}\n`)
      }
    }
  }
  process.stdout.write(
    undone + failed === 0 ? 'nothing to recover\n' : `recovered ${undone}, failed ${failed}\n`
  )
  return failed > 0 ? 1 : 0
}
