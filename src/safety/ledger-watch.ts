/**
 * Lets a live run see another process undo its entries (issue 12 §3b): the watchdog when a
 * fault outlives its deadline or the lease lapses while the runner is stuck, or `ordeal recover
 * --force`. Their undone marks carry `by` ≠ the runner's actor; the runner turns each into a
 * journal event (the fault window ends then, the verdict becomes `error`).
 *
 * The ledger is append-only, so this reads only what was appended since the last look: on
 * every inotify change of the file (fs.watch), and synchronously through {@link check} before
 * the runner reverts a fault itself, so a mark written just before is never missed.
 * @module
 */
import { closeSync, fstatSync, openSync, readSync, watch, type FSWatcher } from 'node:fs'
import { parseLedgerLines, type Ledger, type LedgerEntry } from './ledger.js'

/** An entry of this run that someone other than its runner marked undone. */
export interface ForeignUndo {
  entry: LedgerEntry
  /** Who: `watchdog`, `ordeal recover --force`, ... */
  by: string
  reason: string
  /** When it was marked undone (ms since the epoch). */
  at: number
}

export type ForeignUndoListener = (undo: ForeignUndo) => void

export class LedgerWatch {
  readonly #ledger: Ledger
  readonly #fallback: ForeignUndoListener
  readonly #byFault = new Map<string, ForeignUndoListener>()
  readonly #recorded = new Map<string, LedgerEntry>()
  #offset = 0
  #rest = Buffer.alloc(0)
  #watcher: FSWatcher | undefined

  /** @param fallback receives foreign undos of entries no fault step listens for (the system's) */
  constructor(ledger: Ledger, fallback: ForeignUndoListener) {
    this.#ledger = ledger
    this.#fallback = fallback
  }

  /** Starts following the file (it must exist: the run lock creates it). */
  start(): void {
    this.#watcher = watch(this.#ledger.file, { persistent: false }, () => this.check())
    this.#watcher.on('error', () => undefined) // the run ended and removed its ledger
  }

  /** Routes foreign undos of `faultId`'s entries to `listener` until the returned function runs. */
  listen(faultId: string, listener: ForeignUndoListener): () => void {
    this.#byFault.set(faultId, listener)
    return () => this.#byFault.delete(faultId)
  }

  /** Reads what was appended since the last look and reports foreign undos. Synchronous. */
  check(): void {
    for (const line of parseLedgerLines(this.#readNew())) {
      if (line.op === 'record') {
        const { op: _op, ...entry } = line
        this.#recorded.set(entry.id, entry)
        continue
      }
      const entry = this.#recorded.get(line.id)
      if (!entry || line.by === this.#ledger.actor) {
        continue
      }
      // Reported once: a second mark of the same entry (someone else, or us) changes nothing.
      this.#recorded.delete(line.id)
      const undo: ForeignUndo = {
        entry,
        by: line.by ?? 'another process',
        reason: line.reason ?? 'no reason given',
        at: line.t,
      }
      const listener = this.#byFault.get(entry.faultId) ?? this.#fallback
      listener(undo)
    }
  }

  close(): void {
    this.check()
    this.#watcher?.close()
    this.#watcher = undefined
  }

  /** Whole lines appended since the last read; a line being written waits for the next. */
  #readNew(): string {
    let fd: number
    try {
      fd = openSync(this.#ledger.file, 'r')
    } catch {
      return ''
    }
    try {
      const size = fstatSync(fd).size
      if (size <= this.#offset) {
        return ''
      }
      const buffer = Buffer.alloc(size - this.#offset)
      const n = readSync(fd, buffer, 0, buffer.length, this.#offset)
      this.#offset += n
      // Cut at the last newline in bytes, so a character split by a concurrent write survives.
      const bytes = Buffer.concat([this.#rest, buffer.subarray(0, n)])
      const cut = bytes.lastIndexOf(0x0a) + 1
      this.#rest = bytes.subarray(cut)
      return bytes.subarray(0, cut).toString('utf8')
    } finally {
      closeSync(fd)
    }
  }
}
