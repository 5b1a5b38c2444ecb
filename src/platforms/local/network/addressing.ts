/**
 * Addresses for ordeal's hosts: only 198.18.0.0/15 (RFC 2544, benchmarking; safety invariant 5),
 * one /24 per network, picked per run from a random start so concurrent runs rarely collide,
 * skipping any /24 already in use on this machine.
 * @module
 */

/** 198.18.0.0/15 holds 512 /24s. */
export const SUBNET_COUNT = 512
/** Each network's bridge (the root namespace's way in, for probes and readiness). */
export const BRIDGE_HOST = 254

/** `198.18.0.0/24` for k = 0 … `198.19.255.0/24` for k = 511. */
export function subnetBase(k: number): string {
  if (!Number.isInteger(k) || k < 0 || k >= SUBNET_COUNT) {
    throw new Error(`subnet index ${k} is outside 198.18.0.0/15`)
  }
  return `198.${18 + (k >> 8)}.${k & 255}`
}

export function hostAddress(k: number, host: number): string {
  if (host < 1 || host > 253) {
    throw new Error(`host number ${host} does not fit a /24`)
  }
  return `${subnetBase(k)}.${host}`
}

/** The /24 index of an address in 198.18.0.0/15, else undefined. */
export function subnetIndexOf(address: string): number | undefined {
  const m = /^198\.(18|19)\.(\d{1,3})\./.exec(address)
  return m ? (Number(m[1]) - 18) * 256 + Number(m[2]) : undefined
}

/** `count` free /24 indexes, starting at `start` and wrapping; throws when the range is full. */
export function pickSubnets(count: number, used: ReadonlySet<number>, start: number): number[] {
  const picked: number[] = []
  for (let i = 0; i < SUBNET_COUNT && picked.length < count; i++) {
    const k = (start + i) % SUBNET_COUNT
    if (!used.has(k)) {
      picked.push(k)
    }
  }
  if (picked.length < count) {
    throw new Error(`198.18.0.0/15 has no ${count} free /24 networks left on this machine`)
  }
  return picked
}
