/**
 * The append-only journal of a run: in memory for deriving the result, streamed to listeners
 * (terminal, server) and optionally to an NDJSON file as it happens.
 *
 * A durable journal (a run placed on an agent, whose file is the agent's outbox) writes through a
 * plain descriptor and `fdatasync`s at most every `groupMs`, and at once after the events that
 * must survive a SIGKILL of the run process: the run's start, every fault event, its abort,
 * recovery and end. So a killed run process loses at most `groupMs` of probe and load events,
 * never a fault.
 * @module
 */
import {
  closeSync,
  createWriteStream,
  fdatasyncSync,
  openSync,
  writeSync,
  type WriteStream,
} from 'node:fs'
import type { JournalEvent, JournalEventBody } from './events.js'

export type JournalListener = (event: JournalEvent) => void

export interface DurableOptions {
  /** At most one fdatasync per this many ms for ordinary events. @default 50 */
  groupMs: number
  /** Clock and sync, replaceable in tests. */
  now?: () => number
  sync?: (fd: number) => void
  /** writeSync(fd, buffer, offset, length), replaceable in tests (a full disk, short writes). */
  write?: (fd: number, buffer: Buffer, offset: number, length: number) => number
}

export interface JournalOptions {
  file?: string
  /** Write `file` durably (see the module doc). */
  durable?: DurableOptions
}

/** Events after which the file is synced at once. */
export function syncsAtOnce(type: string): boolean {
  return (
    type === 'run.started' ||
    type.startsWith('fault.') ||
    type === 'run.aborted' ||
    type === 'run.recovered' ||
    type === 'run.ended'
  )
}

/**
 * A plain descriptor with grouped fdatasync (see the module doc). Lines go out whole and in
 * order: a short write is continued, and a line the disk refused (ENOSPC, EIO) stays queued and
 * is written before any newer one once the disk takes it again. So the file never holds a torn
 * line in the middle nor a seq gap, which would stop the server's acks for good.
 */
class DurableFile {
  #fd: number | undefined
  #lastSync = -Infinity
  #timer: NodeJS.Timeout | undefined
  #dirty = false
  /** Lines not yet (fully) written; the first may be partly written (`#written` bytes). */
  readonly #queue: Buffer[] = []
  #written = 0
  readonly #now: () => number
  readonly #sync: (fd: number) => void
  readonly #write: (fd: number, buffer: Buffer, offset: number, length: number) => number

  constructor(
    file: string,
    private readonly options: DurableOptions
  ) {
    this.#fd = openSync(file, 'w', 0o600)
    this.#now = options.now ?? Date.now
    this.#sync = options.sync ?? fdatasyncSync
    this.#write = options.write ?? writeSync
  }

  /** Lines waiting for the disk. */
  get queued(): number {
    return this.#queue.length
  }

  write(line: string, type: string): void {
    if (this.#fd === undefined) {
      return
    }
    this.#queue.push(Buffer.from(line))
    this.drain()
    const now = this.#now()
    if (syncsAtOnce(type) || now - this.#lastSync >= this.options.groupMs) {
      this.flush()
    } else if (!this.#timer) {
      // Unref'd: a pending sync must not keep a finished process alive; close() syncs anyway.
      this.#timer = setTimeout(() => this.flush(), this.options.groupMs - (now - this.#lastSync))
      this.#timer.unref()
    }
  }

  /** Writes the queued lines in order; stops (keeping them) at the first error. */
  drain(): void {
    while (this.#fd !== undefined && this.#queue.length > 0) {
      const head = this.#queue[0]!
      let n: number
      try {
        n = this.#write(this.#fd, head, this.#written, head.length - this.#written)
      } catch {
        // A full disk must not stop the run or its rollback: kept, retried with the next line.
        return
      }
      this.#dirty ||= n > 0
      this.#written += n
      if (this.#written >= head.length) {
        this.#queue.shift()
        this.#written = 0
      } else if (n === 0) {
        return
      }
    }
  }

  flush(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.drain()
    if (this.#fd === undefined || !this.#dirty) {
      return
    }
    this.#dirty = false
    this.#lastSync = this.#now()
    try {
      this.#sync(this.#fd)
    } catch {
      // A sync that fails (EIO, a full disk) must not stop the run or its rollback.
    }
  }

  close(): void {
    this.drain()
    this.flush()
    if (this.#fd !== undefined) {
      closeSync(this.#fd)
      this.#fd = undefined
    }
  }
}

export class Journal {
  readonly events: JournalEvent[] = []
  #listeners = new Set<JournalListener>()
  #file: WriteStream | undefined
  #durable: DurableFile | undefined
  #seq = 0

  constructor(options: JournalOptions = {}) {
    if (options.file && options.durable) {
      this.#durable = new DurableFile(options.file, options.durable)
    } else if (options.file) {
      this.#file = createWriteStream(options.file, { flags: 'w' })
    }
  }

  emit(body: JournalEventBody): JournalEvent {
    // A copy: drivers may keep mutating what they passed (a target list that grows), and the
    // journal must hold what was true when the event happened, as the NDJSON file does.
    const event = { ...structuredClone(body), seq: this.#seq++, t: Date.now() } as JournalEvent
    this.events.push(event)
    const line = `${JSON.stringify(event)}\n`
    this.#file?.write(line)
    try {
      this.#durable?.write(line, event.type)
    } catch {
      // A full disk must not stop the run or its rollback; the listeners still get the event.
    }
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
    this.#durable?.close()
    this.#durable = undefined
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
