/**
 * The agent's clock against the server's, from ping/pong round trips, the way NTP's clock
 * filter does it: each exchange gives an offset θ and a round-trip delay δ; of the last 8, the
 * one with the smallest δ is believed, because queueing delay only ever adds to δ and skews θ
 * by up to δ/2. Pure: times come in as numbers (ms since the epoch, each side its own clock).
 * @module
 */

/** Samples kept: NTP's clock filter keeps 8. */
export const CLOCK_SAMPLES = 8

export interface ClockSample {
  /** Agent clock minus server clock. */
  offsetMs: number
  /** Round trip spent on the network (the agent's own processing time taken out). */
  delayMs: number
}

export interface ClockEstimate {
  offsetMs: number
  /** The offset is right within ± this (half the round trip of the sample used). */
  errorMs: number
  rttMs: number
}

/**
 * One exchange: t0 ping sent (server), t1 ping received and t2 pong sent (agent), t3 pong
 * received (server). θ = ((t1 − t0) + (t2 − t3)) / 2, δ = (t3 − t0) − (t2 − t1).
 */
export function clockSample(t0: number, t1: number, t2: number, t3: number): ClockSample {
  return {
    offsetMs: (t1 - t0 + (t2 - t3)) / 2,
    // An agent that reports t2 < t1 (a clock step between the two) cannot make δ negative.
    delayMs: Math.max(0, t3 - t0 - (t2 - t1)),
  }
}

/** The last CLOCK_SAMPLES samples of one connection and the estimate they give. */
export class ClockFilter {
  readonly #samples: ClockSample[] = []

  add(sample: ClockSample): void {
    this.#samples.push(sample)
    if (this.#samples.length > CLOCK_SAMPLES) {
      this.#samples.shift()
    }
  }

  /** Undefined until the first pong. */
  estimate(): ClockEstimate | undefined {
    let best: ClockSample | undefined
    for (const sample of this.#samples) {
      if (best === undefined || sample.delayMs < best.delayMs) {
        best = sample
      }
    }
    return best === undefined
      ? undefined
      : {
          offsetMs: Math.round(best.offsetMs * 10) / 10,
          errorMs: Math.round((best.delayMs / 2) * 10) / 10,
          rttMs: Math.round(best.delayMs * 10) / 10,
        }
  }
}
