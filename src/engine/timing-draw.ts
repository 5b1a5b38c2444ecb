/**
 * The run's seeded draws of randomised fault timing (issue 18 §5). One seed per run; each
 * fault's field (`after`, `interval`) draws from its own sub-stream, seeded from the run's seed
 * and the fault's id, so the n-th value a fault draws is the same whatever the system does
 * and in whatever order parallel faults happen to ask: `--seed N` reproduces the schedule.
 * The generator is pure-rand's xoroshiro128+ with its unbiased uniform integer distribution.
 * @module
 */
import { createHash, randomInt } from 'node:crypto'
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus'
import { uniformInt } from 'pure-rand/distribution/uniformInt'
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator'
import type { TimingRange } from '../shared/timing-range.js'

/** Which timing field of a fault a value is drawn for. */
export type TimingField = 'after' | 'interval'

/** The largest seed `--seed` takes: any integer JSON and JavaScript carry exactly. */
export const MAX_SEED = Number.MAX_SAFE_INTEGER

/** A seed for a run without `--seed`: short enough to type back (at most 10 digits). */
export function randomSeed(): number {
  return randomInt(1, 2 ** 32)
}

/** `--seed N`: a whole number from 0; undefined when the text is not one. */
export function parseSeed(text: string): number | undefined {
  if (!/^\d{1,16}$/.test(text.trim())) {
    return undefined
  }
  const seed = Number(text.trim())
  return seed <= MAX_SEED ? seed : undefined
}

export interface Draw {
  /** The value, whole milliseconds within the range (ends included). */
  ms: number
  /** 1 for the field's first draw in the run, 2 for the next... */
  n: number
}

export class TimingDraws {
  readonly #streams = new Map<string, { rng: JumpableRandomGenerator; n: number }>()

  constructor(readonly seed: number) {}

  /**
   * The next value of `faultId`'s `field`, uniform in `range`. A fixed range still counts as a
   * draw (n advances) without consuming randomness, so nothing else shifts.
   */
  next(faultId: string, field: TimingField, range: TimingRange): Draw {
    const key = `${faultId}\u0000${field}`
    let stream = this.#streams.get(key)
    if (!stream) {
      stream = { rng: subStream(this.seed, faultId, field), n: 0 }
      this.#streams.set(key, stream)
    }
    stream.n += 1
    const ms =
      range.minMs === range.maxMs ? range.minMs : uniformInt(stream.rng, range.minMs, range.maxMs)
    return { ms, n: stream.n }
  }
}

/**
 * A generator of its own per (seed, fault, field): the 128-bit state is the first 16 bytes of
 * SHA-256 over the three, so sub-streams are independent and never all-zero in practice.
 */
function subStream(seed: number, faultId: string, field: TimingField): JumpableRandomGenerator {
  const digest = createHash('sha256')
    .update(`ordeal-timing\u0000${seed}\u0000${faultId}\u0000${field}`)
    .digest()
  const state = [0, 4, 8, 12].map((offset) => digest.readInt32BE(offset))
  // xoroshiro's one forbidden state (all zero), however unlikely from a hash.
  return xoroshiro128plusFromState(state.some((word) => word !== 0) ? state : [0, 0, 0, 1])
}
