/**
 * The toxic types the API accepts, their attributes (in the reference's JSON order and
 * defaults) and the input checks the reference lacks (spec section 9: inputs on which it stalls
 * or crashes get a 400 here).
 * @module
 */
import type { Fields } from './decode.js'

export type Stream = 'upstream' | 'downstream'

export const toxicTypes = [
  'noop',
  'latency',
  'bandwidth',
  'slow_close',
  'timeout',
  'reset_peer',
  'slicer',
  'limit_data',
] as const
export type ToxicType = (typeof toxicTypes)[number]

export const isToxicType = (t: string): t is ToxicType =>
  (toxicTypes as readonly string[]).includes(t)

/** Attribute names (all int64 in the reference) in the order the reference emits them. */
export const toxicAttributes: Record<ToxicType, readonly string[]> = {
  noop: [],
  latency: ['latency', 'jitter'],
  bandwidth: ['rate'],
  slow_close: ['delay'],
  timeout: ['timeout'],
  reset_peer: ['timeout'],
  slicer: ['average_size', 'size_variation', 'delay'],
  limit_data: ['bytes'],
}

/** Go struct names, for decode error messages. */
export const toxicStruct: Record<ToxicType, string> = {
  noop: 'NoopToxic',
  latency: 'LatencyToxic',
  bandwidth: 'BandwidthToxic',
  slow_close: 'SlowCloseToxic',
  timeout: 'TimeoutToxic',
  reset_peer: 'ResetToxic',
  slicer: 'SlicerToxic',
  limit_data: 'LimitDataToxic',
}

export const attributeFields = (type: ToxicType): Fields =>
  Object.fromEntries(toxicAttributes[type].map((a) => [a, 'int64' as const]))

export const zeroAttributes = (type: ToxicType): Record<string, number> =>
  Object.fromEntries(toxicAttributes[type].map((a) => [a, 0]))

/** A shared, mutable toxic: links read its attributes at each chunk. */
export interface Toxic {
  name: string
  type: ToxicType
  /** As sent by the client (the reference echoes `"UPSTREAM"`). */
  stream: string
  direction: Stream
  toxicity: number
  attributes: Record<string, number>
}

/** The first problem with a toxic the reference would accept and then stall or crash on. */
export function toxicProblem(t: Toxic): string | undefined {
  if (!(t.toxicity >= 0 && t.toxicity <= 1)) {
    return `toxicity must be between 0 and 1, got ${t.toxicity}`
  }
  const a = t.attributes
  for (const name of toxicAttributes[t.type]) {
    if ((a[name] ?? 0) < 0) {
      return `${t.type}.${name} must not be negative, got ${a[name]}`
    }
  }
  if (t.type === 'bandwidth' && (a['rate'] ?? 0) < 1) {
    return 'bandwidth.rate must be at least 1 (KB/s)'
  }
  if (t.type === 'slicer') {
    const avg = a['average_size'] ?? 0
    const variation = a['size_variation'] ?? 0
    if (avg < 1) {
      return 'slicer.average_size must be at least 1'
    }
    if (variation >= avg) {
      return 'slicer.size_variation must be smaller than average_size'
    }
  }
  return undefined
}

export function toxicJson(t: Toxic): object {
  const attributes = Object.fromEntries(toxicAttributes[t.type].map((n) => [n, t.attributes[n]]))
  return { attributes, name: t.name, type: t.type, stream: t.stream, toxicity: t.toxicity }
}
