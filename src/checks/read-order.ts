/**
 * The reads of a `set` check in invoke order, and the one question the checker asks of them
 * besides their values: which read before this one counts for an element added at time x (a
 * read counts from the add's invoke on: it completed at or after x).
 * @module
 */
import type { SetRead } from './contract.js'

/** Reads per block of the completion-time index. */
const kBlock = 64

export class ReadOrder {
  readonly length: number
  readonly #reads: SetRead[]
  readonly #complete: Float64Array
  /** The latest completion in each block of kBlock ranks: whole blocks that cannot count are skipped. */
  readonly #blockMax: Float64Array

  constructor(reads: Iterable<SetRead>) {
    // A stable sort: reads that began together keep the order they were taken in.
    this.#reads = [...reads]
      .map((read, i) => ({ read, i }))
      .sort((a, b) => a.read.invoke - b.read.invoke || a.i - b.i)
      .map(({ read }) => read)
    this.length = this.#reads.length
    this.#complete = Float64Array.from(this.#reads, (r) => r.complete)
    this.#blockMax = new Float64Array(Math.ceil(this.length / kBlock)).fill(-Infinity)
    this.#complete.forEach((t, rank) => {
      const b = Math.floor(rank / kBlock)
      this.#blockMax[b] = Math.max(this.#blockMax[b]!, t)
    })
  }

  at(rank: number): SetRead {
    return this.#reads[rank]!
  }

  invokeAt(rank: number): number {
    return this.#reads[rank]!.invoke
  }

  /**
   * The highest rank below `rank` whose read completed at or after `x`, or -1. Reads are
   * usually sequential (each completes before the next begins), so this is `rank - 1` or found
   * within a block; overlapping reads cost at most a block scan plus a skip over blocks.
   */
  previousCounting(rank: number, x: number): number {
    let r = rank - 1
    // Within rank's own block (partial) first.
    while (r >= 0 && r % kBlock !== kBlock - 1) {
      if (this.#complete[r]! >= x) {
        return r
      }
      r--
    }
    // Then whole blocks, from the top.
    for (let b = Math.floor(r / kBlock); b >= 0; b--) {
      if (this.#blockMax[b]! < x) {
        continue
      }
      for (let q = b * kBlock + kBlock - 1; q >= b * kBlock; q--) {
        if (this.#complete[q]! >= x) {
          return q
        }
      }
    }
    return -1
  }
}
