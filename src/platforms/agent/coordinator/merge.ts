/**
 * The merged journal of a multi-host run (design §6): the coordinator's own events and every
 * part's events become one journal on the Chaos Center's clock, in which seq order is `t` order
 * (so deriveResult, the recorder and the UI read it like any run's).
 *
 * A part's event gets `t = hostT − offset` (its agent's clock offset), never less than the
 * part's previous corrected `t` nor than what was already released, so the order holds even
 * when the offset estimate moves. Events wait in a buffer and are released (seq assigned) once
 * their `t` is at or below the watermark: the lowest corrected mark of the parts still active
 * (a mark says "everything through seq was sent, nothing else journaled before t"; it counts
 * only once every event through its seq reached the merge), and never above `now`. A part that
 * ended or was lost no longer holds the watermark back. Pure: the clock is injected.
 *
 * A merged event's `t` may thus be moved forward, never back: past its part's previous event
 * when the offset estimate improved, or up to what was already released when it arrives late
 * (a mark that came too early: the agent's mark margin, outbox.ts, assumes an event is written
 * in the tick it is stamped, which a loaded machine may not keep). The order holds; `hostT`
 * keeps the time the part stamped, on its own clock.
 * @module
 */
import type { EventHost, JournalEvent, JournalEventBody } from '../../../engine/events.js'
import type { PartClock } from './link.js'

/**
 * What a part's journal contributes: what happened on its host. Its run.started, system.*,
 * step.* and probe.* and its run.aborted / run.ended belong to the coordinator's own timeline.
 * `op` comes with its load (the history of the load's requests).
 */
export function mergesFromPart(type: string): boolean {
  return (
    type.startsWith('service.') ||
    type.startsWith('fault.') ||
    type.startsWith('load.') ||
    type === 'op' ||
    type === 'run.warning' ||
    type === 'run.recovered'
  )
}

export interface MergeOptions {
  /** The logical names of the parts; each holds the watermark back until it ends. */
  parts: string[]
  now: () => number
  /** Every released event, in seq order, once. */
  onEvent: (event: JournalEvent) => void
}

type Unreleased = JournalEventBody & EventHost & { t: number }

interface PartState {
  active: boolean
  /** Corrected t of its last event (its events' t never goes down). */
  lastT: number
  /** Its highest corrected mark. */
  mark: number
  /** Its last seq seen: a batch sent again is not merged twice. */
  lastSeq: number
}

export class JournalMerge {
  /** Every released event, in seq order. */
  readonly events: JournalEvent[] = []
  readonly #now: () => number
  readonly #onEvent: (event: JournalEvent) => void
  readonly #parts = new Map<string, PartState>()
  /**
   * Waiting for the watermark, kept sorted by `t`, ties in the order they came in (each is
   * inserted after every one with the same or a lower `t`). Those before `#head` are released
   * and cut off at the end of the drain.
   */
  #pending: Unreleased[] = []
  #head = 0
  #seq = 0
  /** The t of the last released event. */
  #released = -Infinity
  #coordinatorT = -Infinity
  #closed = false
  #releasing = false
  #again = false

  constructor(options: MergeOptions) {
    this.#now = options.now
    this.#onEvent = options.onEvent
    for (const name of options.parts) {
      this.#parts.set(name, { active: true, lastT: -Infinity, mark: -Infinity, lastSeq: -1 })
    }
  }

  /** Events released so far plus those waiting. */
  get size(): number {
    return this.events.length + this.#pending.length - this.#head
  }

  /** An event of the coordinator's own timeline, at `now`. */
  emit(body: JournalEventBody & EventHost): void {
    if (this.#closed) {
      return
    }
    const t = Math.max(this.#now(), this.#coordinatorT, this.#released)
    this.#coordinatorT = t
    this.#push({ ...structuredClone(body), t })
    this.release()
  }

  /** A batch of a part's own journal events (its seqs, `t` on its agent's clock). */
  partEvents(logical: string, events: readonly JournalEvent[], clock: PartClock | undefined) {
    const part = this.#parts.get(logical)
    if (!part || this.#closed) {
      return
    }
    const offset = clock?.offsetMs ?? 0
    for (const event of events) {
      if (event.seq <= part.lastSeq) {
        continue
      }
      part.lastSeq = event.seq
      if (!mergesFromPart(event.type)) {
        continue
      }
      const t = Math.max(event.t - offset, part.lastT, this.#released)
      part.lastT = t
      const { seq: _seq, t: hostT, ...body } = event
      this.#push({
        ...(body as JournalEventBody),
        t,
        host: logical,
        hostT,
        ...(clock ? { clockErrorMs: clock.errorMs } : {}),
      })
    }
    this.release()
  }

  /**
   * A part's mark: it sent everything through `mark.seq` and journaled nothing else before
   * `mark.t` (its agent's clock). Applied only once those events reached the merge: until then
   * some of them, before `t`, may still come.
   */
  partMark(logical: string, mark: { seq: number; t: number }, clock: PartClock | undefined) {
    const part = this.#parts.get(logical)
    if (!part || part.lastSeq < mark.seq) {
      return
    }
    part.mark = Math.max(part.mark, mark.t - (clock?.offsetMs ?? 0))
    this.release()
  }

  /** The part ended or was lost: it no longer holds the watermark back. */
  partDone(logical: string): void {
    const part = this.#parts.get(logical)
    if (part) {
      part.active = false
    }
    this.release()
  }

  /** Everything below the lowest active mark and `now`, let out in t order. */
  watermark(): number {
    let w = this.#now()
    for (const part of this.#parts.values()) {
      if (part.active) {
        w = Math.min(w, part.mark)
      }
    }
    return w
  }

  /** Releases what the watermark allows (re-entrant: a listener may emit). */
  release(): void {
    this.#drain(() => this.watermark())
  }

  /** At the run's end: releases everything still waiting, in t order, and takes nothing more. */
  close(): void {
    this.#drain(() => Infinity)
    this.#closed = true
  }

  /** Releases everything still waiting, in t order, whatever the watermark. */
  flush(): void {
    this.#drain(() => Infinity)
  }

  /** A sorted insert: new events come mostly last, so this is mostly a push. */
  #push(event: Unreleased): void {
    const pending = this.#pending
    let lo = this.#head
    let hi = pending.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (pending[mid]!.t <= event.t) {
        lo = mid + 1
      } else {
        hi = mid
      }
    }
    pending.splice(lo, 0, event)
  }

  #drain(limit: () => number): void {
    if (this.#releasing) {
      this.#again = true // the outer loop goes round once more
      return
    }
    this.#releasing = true
    try {
      do {
        this.#again = false
        const w = limit()
        // One at a time: an event a listener emits meanwhile is sorted in before the next.
        while (
          !this.#again &&
          this.#head < this.#pending.length &&
          this.#pending[this.#head]!.t <= w
        ) {
          const event = this.#pending[this.#head++]!
          this.#released = Math.max(this.#released, event.t)
          const released = { ...event, seq: this.#seq++ } as JournalEvent
          this.events.push(released)
          try {
            this.#onEvent(released)
          } catch {
            // A broken listener must never stop the run or its rollback (as in journal.ts).
          }
        }
      } while (this.#again)
    } finally {
      this.#pending.splice(0, this.#head)
      this.#head = 0
      this.#releasing = false
    }
  }
}
