/**
 * The append-only journal of a run: in memory for deriving the result, streamed to listeners
 * (terminal, server) and optionally to an NDJSON file as it happens.
 * @module
 */
import { createWriteStream, type WriteStream } from 'node:fs'
import type { JournalEvent, JournalEventBody } from './events.js'

export type JournalListener = (event: JournalEvent) => void

export class Journal {
  readonly events: JournalEvent[] = []
  #listeners = new Set<JournalListener>()
  #file: WriteStream | undefined
  #seq = 0

  constructor(options: { file?: string } = {}) {
    if (options.file) {
      this.#file = createWriteStream(options.file, { flags: 'w' })
    }
  }

  emit(body: JournalEventBody): JournalEvent {
    // A copy: drivers may keep mutating what they passed (a target list that grows), and the
    // journal must hold what was true when the event happened, as the NDJSON file does.
    const event = { ...structuredClone(body), seq: this.#seq++, t: Date.now() } as JournalEvent
    this.events.push(event)
    this.#file?.write(`${JSON.stringify(event)}\n`)
    for (const listener of this.#listeners) {
      try {
        listener(event)
      } catch {
        // A broken listener (e.g. a closed terminal) must never stop the run or its rollback.
      }
    }
    return event
  }

  subscribe(listener: JournalListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Flushes and closes the NDJSON file, if any. */
  close(): Promise<void> {
    const file = this.#file
    this.#file = undefined
    return new Promise((resolve) => (file ? file.end(resolve) : resolve()))
  }
}

/** Reads an NDJSON journal back (for `ordeal report` and replays). */
export function parseJournal(text: string): JournalEvent[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as JournalEvent)
}
