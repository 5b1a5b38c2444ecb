/**
 * The undo entries one injection wrote, and the revert that replays them. Every driver records
 * through here so that `revert()` means the same thing everywhere: for each entry this
 * injection recorded, newest first, run the undo and mark it undone, once.
 * @module
 */
import type { Ledger, LedgerEntry, UndoAction } from '../safety/ledger.js'
import { executeUndo } from '../safety/undo.js'

export class RecordedUndos {
  readonly #ledger: Ledger
  readonly #faultId: string
  readonly #deadline: number
  readonly #pending: LedgerEntry[] = []
  #reverting: Promise<void> | undefined

  constructor(ledger: Ledger, faultId: string, deadline: number) {
    this.#ledger = ledger
    this.#faultId = faultId
    this.#deadline = deadline
  }

  /** Appends (and fsyncs) the undo; call it before the action it reverses. */
  record(undo: UndoAction): LedgerEntry {
    const entry = this.#ledger.record(this.#faultId, undo, this.#deadline)
    this.#pending.push(entry)
    return entry
  }

  /**
   * Marks `entry` undone without running it: the action it would reverse was refused outright
   * (the API answered 4xx), so there is nothing to undo, and an undo the same rules refuse
   * would otherwise be retried by the watchdog forever.
   */
  discard(entry: LedgerEntry, reason: string): void {
    this.#ledger.markUndone(entry.id, reason)
    this.#pending.splice(this.#pending.indexOf(entry), 1)
  }

  /** {@link discard} for every entry still pending. */
  discardAll(reason: string): void {
    for (const entry of [...this.#pending]) {
      this.discard(entry, reason)
    }
  }

  /**
   * Undoes every entry not undone yet, newest first. An entry whose undo fails stays pending
   * (and in the ledger for `ordeal recover`); the others still run, then the first error is thrown.
   * Concurrent calls share one pass; calls after it completes are no-ops.
   */
  revert(): Promise<void> {
    this.#reverting ??= this.#revertPending().finally(() => {
      this.#reverting = undefined
    })
    return this.#reverting
  }

  async #revertPending(): Promise<void> {
    const failures: unknown[] = []
    for (const entry of [...this.#pending].reverse()) {
      try {
        await executeUndo(entry.undo)
        this.#ledger.markUndone(entry.id)
        this.#pending.splice(this.#pending.indexOf(entry), 1)
      } catch (error) {
        failures.push(error)
      }
    }
    if (failures.length > 0) {
      throw failures[0]
    }
  }
}
