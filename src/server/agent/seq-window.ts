/**
 * A run's stored events put back in seq order. Batches may be stored in any order (a retry
 * lands behind newer events, concurrent writers race), but live viewers and the metrics must
 * see each event once and in seq order: an event stored past a gap is held until the gap is
 * filled, then released with everything it now joins. `released` is the seq up to which every
 * event is stored and released, which is what a viewer's `after=` can safely point at.
 * @module
 */

export class SeqWindow<T extends { seq: number }> {
  /** Every seq up to this one is stored and released. */
  #released = -1
  /** Stored past a gap, by seq. */
  readonly #held = new Map<number, T>()

  /**
   * `released`: where a window starts that picks up a run already partly stored (an agent
   * run resumed after a server restart: every seq up to it is in the store).
   */
  constructor(released = -1) {
    this.#released = released
  }

  /** The highest seq released: every event up to it was stored and handed out, in order. */
  get released(): number {
    return this.#released
  }

  /** Events stored but held back by a gap. */
  get held(): number {
    return this.#held.size
  }

  /** The stored event held back by a gap with this seq (released ones are not kept). */
  heldEvent(seq: number): T | undefined {
    return this.#held.get(seq)
  }

  /** True once the event with this seq is known stored (released or held). */
  has(seq: number): boolean {
    return seq <= this.#released || this.#held.has(seq)
  }

  /**
   * Takes newly stored events (duplicates of known ones are ignored: the first copy stored is
   * the one kept) and returns those that are now contiguous, in seq order.
   */
  add(events: Iterable<T>): T[] {
    for (const event of events) {
      if (!this.has(event.seq)) {
        this.#held.set(event.seq, event)
      }
    }
    const out: T[] = []
    for (let next = this.#held.get(this.#released + 1); next;) {
      out.push(next)
      this.#held.delete(next.seq)
      this.#released = next.seq
      next = this.#held.get(this.#released + 1)
    }
    return out
  }

  /** The run ended (no gap will be filled now): everything held, in seq order. */
  drain(): T[] {
    const out = [...this.#held.values()].sort((a, b) => a.seq - b.seq)
    this.#held.clear()
    const last = out[out.length - 1]
    if (last) {
      this.#released = last.seq
    }
    return out
  }
}
