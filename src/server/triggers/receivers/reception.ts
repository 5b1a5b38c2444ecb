/**
 * What a hook kind makes of one delivery: rejected (bad signature or secret, bad payload,
 * stale), ignored (authentic, but not an event that can fire a trigger: GitHub's `ping`), or
 * an event. Replays are the store's to find (the delivery id is claimed there), not the
 * receiver's. Receivers are pure: the request in, the reception out.
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { TriggerEvent } from '../contract.js'
import { UNSAFE_CHARS } from '../../../shared/names.js'

export interface HookRequest {
  hookName: string
  secret: string
  headers: IncomingHttpHeaders
  body: Buffer
  /** Milliseconds since the epoch (the server's clock). */
  now: number
}

/**
 * `deliveryId` is the label shown in the history (the sender's id when it sends one);
 * `replayKey` is what the store claims: derived from what the signature covers, so a captured
 * delivery resent under a new id is still a replay (an unsigned header proves nothing).
 */
export type Reception =
  | { outcome: 'rejected'; status: 400 | 401; reason: string; deliveryId: string }
  | { outcome: 'ignored'; reason: string; deliveryId: string; replayKey: string }
  | { outcome: 'event'; deliveryId: string; replayKey: string; event: TriggerEvent }

export type Receiver = (request: HookRequest) => Reception

/** A rejection; the claimed id is unauthenticated text, kept only when it is a sane label. */
export const rejected = (status: 400 | 401, reason: string, claimedId = ''): Reception => ({
  outcome: 'rejected',
  status,
  reason,
  deliveryId: deliveryIdOf(claimedId) ?? '',
})

/** One header's value (the first, when sent twice). */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()]
  return Array.isArray(value) ? value[0] : value
}

/** A sender's delivery id, kept only when it is short printable text (it is shown and stored). */
export function deliveryIdOf(value: string | undefined): string | undefined {
  if (value === undefined) {
    return undefined
  }
  const id = value.trim()
  return id !== '' && id.length <= 200 && !UNSAFE_CHARS.test(id) ? id : undefined
}

/** The body as a JSON object, or a one-line reason it is not one. */
export function jsonObject(body: Buffer): Record<string, unknown> | string {
  let value: unknown
  try {
    value = JSON.parse(body.toString('utf8'))
  } catch {
    return 'body: not JSON'
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return 'body: must be a JSON object'
  }
  return value as Record<string, unknown>
}

/** A field of a parsed payload as a string, if it is one (or a number). */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined
}

export function object(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {}
}

/** How far a time in the payload may be from the server's clock, in one line if too far. */
export function staleness(at: number, now: number, windowMs: number): string | undefined {
  const off = now - at
  if (Math.abs(off) <= windowMs) {
    return undefined
  }
  const minutes = Math.round(Math.abs(off) / 60_000)
  return off > 0
    ? `stale: sent ${minutes} min ago, more than ${windowMs / 60_000} min`
    : `stale: dated ${minutes} min in the future, more than ${windowMs / 60_000} min`
}

/** The short form of a commit id in summaries. */
export const short = (revision: string | undefined): string =>
  revision === undefined ? '?' : /^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 7) : revision
