/**
 * The on-disk outbox of one run placed on this agent: its durable journal file (journal.ts)
 * read back and sent as `events` frames. The file, not the run process's IPC, is the one
 * source, so a frame after a reconnect, a `nack 503` or an agent restart is built exactly like
 * the first one: from `ackedSeq + 1`, contiguous, ascending. IPC only says "there is more".
 *
 * - At most `maxUnacked` frames (4) are in flight per run; each ack lets the next go.
 * - An in-memory index keeps the byte offset of every 1,000th seq, so a resend seeks instead of
 *   reading the file from the start (load runs write millions of events).
 * - A last line without its newline is being written (or was torn by a kill): it is left and
 *   read again on the next pump. A bad line with a newline (a torn line that start-up
 *   recovery ended) is skipped: recovery numbered its own event after the last good seq.
 * - Once an ack covers `run.ended`, the outbox sends `ended` and calls `onDone`.
 * - `nack 503` resends from the last ack after `retryMs`; `nack 403/409` means the server wants
 *   none of it: logged, and the run counts as reported (`onDone`).
 * - A part of a multi-host run (`marks`) also sends `mark {seq, t}` each time a pump has read the
 *   file to its end: everything through `seq` is sent, and nothing else was journaled before
 *   `t`, the clock read before that read began, less 5 ms (an event is written in the tick
 *   it is stamped, journal.ts; the margin covers the stamp-to-write gap within that tick). The
 *   executor pumps a part every 100 ms, so marks keep coming while it journals nothing.
 * @module
 */
import { closeSync, openSync, readSync } from 'node:fs'
import type { JournalEvent } from '../../shared/api.js'
import { MAX_EVENTS_PER_FRAME, type FromAgent } from './protocol.js'

/** The byte budget of one frame's events (the server's maxPayload is 2 MiB). */
const kMaxFrameBytes = 1024 * 1024
/** Index every this many seqs. */
const kIndexEvery = 1000

export interface OutboxOptions {
  runId: string
  file: string
  /** Sends a frame; false when there is no ready connection (nothing is then in flight). */
  send(frame: FromAgent): boolean
  log(line: string): void
  /** Every seq up to this one was stored (from the state file, or the server's resume). */
  acked?: number
  /** A new ack arrived (the caller persists it, at most once a second). */
  onAcked?(seq: number): void
  /** Everything was acked through `run.ended`, or the server refused the run's events. */
  onDone?(how: 'ended' | 'refused'): void
  maxUnacked?: number
  setTimer?: (fn: () => void, ms: number) => void
  /** Send `mark` frames (a part of a multi-host run). */
  marks?: boolean
  /** The agent's clock for marks. @default Date.now */
  now?: () => number
}

/** How far before the read a mark's `t` is set (see the module comment). */
export const MARK_MARGIN_MS = 5

export class Outbox {
  readonly runId: string
  #acked: number
  /** The highest seq sent on this connection. */
  #sent: number
  /** The last seq of each frame in flight. */
  #inflight: number[] = []
  /** Byte offset of the line to read next when sending. */
  #pos = 0
  /** seq / kIndexEvery → byte offset of that seq's line. */
  #index = new Map<number, number>()
  #lastSeq = -1
  #endedSeq: number | undefined
  #connected = false
  #done = false
  readonly #maxUnacked: number
  readonly #setTimer: (fn: () => void, ms: number) => void

  constructor(private readonly options: OutboxOptions) {
    this.runId = options.runId
    this.#acked = options.acked ?? -1
    this.#sent = this.#acked
    this.#maxUnacked = options.maxUnacked ?? 4
    this.#setTimer = options.setTimer ?? ((fn, ms) => void setTimeout(fn, ms).unref())
  }

  get acked(): number {
    return this.#acked
  }

  get done(): boolean {
    return this.#done
  }

  get inflight(): number {
    return this.#inflight.length
  }

  /** The last seq in the file and whether it holds `run.ended` (for `hello.runs`). */
  report(): { runId: string; lastSeq: number; ended: boolean } {
    this.#scanToEnd()
    return { runId: this.runId, lastSeq: this.#lastSeq, ended: this.#endedSeq !== undefined }
  }

  /** A connection became ready: resend from `ackedSeq + 1` (the server's word, when given). */
  connected(ackedSeq?: number): void {
    if (ackedSeq !== undefined) {
      this.#acked = ackedSeq
    }
    this.#connected = true
    this.#rewind()
    this.pump()
  }

  disconnected(): void {
    this.#connected = false
    this.#inflight = []
  }

  /** Sends what the file holds past what was sent, as far as the window allows. */
  pump(): void {
    if (this.#done || !this.#connected) {
      return
    }
    // Before any read: whatever was stamped before this is in the file we are about to read.
    const readAt = (this.options.now ?? Date.now)()
    while (this.#inflight.length < this.#maxUnacked) {
      const events = this.#readFrame()
      if (events.length === 0) {
        if (this.options.marks) {
          this.#mark(readAt)
        }
        // Reading may just have found `run.ended`, already covered by the server's ack.
        if (this.#endedSeq !== undefined && this.#acked >= this.#endedSeq) {
          this.#finish()
        }
        return
      }
      if (!this.options.send({ type: 'events', runId: this.runId, events })) {
        this.disconnected()
        return
      }
      const last = events[events.length - 1]!.seq
      this.#inflight.push(last)
      this.#sent = last
    }
  }

  ack(seq: number): void {
    if (seq > this.#acked) {
      this.#acked = seq
      this.options.onAcked?.(seq)
    }
    this.#inflight = this.#inflight.filter((last) => last > seq)
    this.pump()
  }

  nack(status: number, message: string, retryMs = 1000): void {
    if (status === 503) {
      // Stored up to the last ack at least: resend the rest once the server says it can.
      this.#inflight = []
      this.#setTimer(() => {
        this.#rewind()
        this.pump()
      }, retryMs)
      return
    }
    this.options.log(
      `run ${this.runId}: the Chaos Center refuses its events (${message}); dropping them`
    )
    this.#done = true
    this.options.onDone?.('refused')
  }

  /** Read to the end: every event in the file is sent (seq ≤ #sent). */
  #mark(readAt: number): void {
    if (
      !this.options.send({
        type: 'mark',
        runId: this.runId,
        seq: this.#sent,
        t: readAt - MARK_MARGIN_MS,
      })
    ) {
      this.disconnected()
    }
  }

  #finish(): void {
    if (this.#done) {
      return
    }
    this.#done = true
    this.options.send({ type: 'ended', runId: this.runId })
    this.options.onDone?.('ended')
  }

  /** Back to the line after the last ack, through the index. */
  #rewind(): void {
    this.#inflight = []
    this.#sent = this.#acked
    const want = this.#acked + 1
    let best = 0
    for (let k = Math.floor(want / kIndexEvery); k >= 0; k--) {
      const at = this.#index.get(k)
      if (at !== undefined) {
        best = at
        break
      }
    }
    this.#pos = best
  }

  /** Up to one frame of events with seq > #sent, from #pos on; advances #pos. */
  #readFrame(): JournalEvent[] {
    const events: JournalEvent[] = []
    let bytes = 0
    for (const line of this.readLines(this.#pos)) {
      if (
        events.length >= MAX_EVENTS_PER_FRAME ||
        (events.length > 0 && bytes + line.bytes > kMaxFrameBytes)
      ) {
        break
      }
      this.#pos = line.end
      const event = line.event
      if (event === undefined || event.seq <= this.#sent) {
        continue
      }
      events.push(event)
      bytes += line.bytes
    }
    return events
  }

  /** Reads the whole file's complete lines once more, for `report`. */
  #scanToEnd(): void {
    for (const line of this.readLines(this.#indexedUpTo)) {
      this.#indexedUpTo = line.end
    }
  }

  #indexedUpTo = 0

  /**
   * The complete lines from byte `from` on, parsed, noting the index, the last seq and
   * `run.ended` as it goes. A last line without newline is not yielded (read again later).
   */
  private *readLines(
    from: number
  ): Generator<{ event: JournalEvent | undefined; end: number; bytes: number }> {
    let fd: number
    try {
      fd = openSync(this.options.file, 'r')
    } catch {
      return // not written yet (the run process has not started its run)
    }
    try {
      let chunk = Buffer.alloc(256 * 1024)
      let at = from
      for (;;) {
        const n = readSync(fd, chunk, 0, chunk.length, at)
        if (n === 0) {
          return
        }
        const data = chunk.subarray(0, n)
        let start = 0
        let newline = data.indexOf(10, start)
        if (newline < 0) {
          if (n < chunk.length) {
            return // a torn or half-written last line: read again later
          }
          chunk = Buffer.alloc(chunk.length * 2) // a line longer than the buffer
          continue
        }
        while (newline >= 0) {
          const end = at + newline + 1
          const event = parseLine(data.subarray(start, newline).toString('utf8'))
          if (event !== undefined) {
            this.#note(event, at + start)
          }
          yield { event, end, bytes: newline + 1 - start }
          start = newline + 1
          newline = data.indexOf(10, start)
        }
        at += start
      }
    } finally {
      closeSync(fd)
    }
  }

  #note(event: JournalEvent, offset: number): void {
    if (event.seq % kIndexEvery === 0) {
      this.#index.set(event.seq / kIndexEvery, offset)
    }
    this.#lastSeq = Math.max(this.#lastSeq, event.seq)
    if (event.type === 'run.ended') {
      this.#endedSeq = event.seq
    }
  }
}

function parseLine(text: string): JournalEvent | undefined {
  try {
    const event = JSON.parse(text) as JournalEvent
    return typeof event === 'object' && event !== null && Number.isInteger(event.seq)
      ? event
      : undefined
  } catch {
    return undefined
  }
}
