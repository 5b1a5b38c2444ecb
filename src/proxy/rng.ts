/**
 * A small seeded generator (sfc32 seeded through splitmix32) so `--seed N` makes toxicity
 * rolls, jitter and slicer offsets reproducible; the reference ignores its `-seed` flag.
 * @module
 */

export type Random = () => number

/** Seeds accept any integer text (e.g. int64 values Toxiproxy users pass). */
export function seededRandom(seed: bigint): Random {
  let s = Number(BigInt.asUintN(32, seed ^ (seed >> 32n))) >>> 0
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
  let a = split()
  let b = split()
  let c = split()
  let d = split()
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = ((c << 21) | (c >>> 11)) >>> 0
    c = (c + t) >>> 0
    return t / 4294967296
  }
}

/** A fresh seed when none is given, printed so a run can be repeated. */
export function randomSeed(): bigint {
  return BigInt(Math.floor(Math.random() * 2 ** 52))
}
