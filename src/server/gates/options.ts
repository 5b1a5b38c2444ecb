/**
 * What a gate is asked: from the query string (`?threshold=80&maxAge=1h&run=true&anyVersion=true`) or, for a
 * Flagger webhook, which can send no query of its own choosing per phase and no headers, from
 * the payload's `metadata` (string values). One schema for both, so `threshold=abc` is refused
 * the same way wherever it came from; the query wins over the metadata.
 * @module
 */
import { z } from 'zod'
import { parseDuration } from '../../shared/duration.js'
import type { ContinuousPlacement } from '../../shared/continuous.js'
import {
  AGENT_NAME_PATTERN,
  LABEL_KEY_PATTERN,
  LABEL_VALUE_PATTERN,
} from '../../platforms/agent/protocol.js'
import { parseRequestPart } from '../api/validation.js'
import { HttpError } from '../http/route.js'
import type { GateRule } from './judge.js'

const MINUTE = 60_000
export const DEFAULT_WAIT_MS = 10 * MINUTE
export const MAX_WAIT_MS = 30 * MINUTE
const MAX_AGE_MS = 366 * 24 * 60 * MINUTE

const duration = (min: number, max: number, range: string) =>
  z
    .string()
    .max(32)
    .transform((text, ctx) => {
      const ms = parseDuration(text)
      if (ms === undefined || ms < min || ms > max) {
        ctx.addIssue({ code: 'custom', message: `must be a duration from ${range} (like 10m)` })
        return z.NEVER
      }
      return ms
    })

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((text) => text === 'true' || text === '1' || text === 'yes')

const labels = z
  .string()
  .max(2000)
  .transform((text, ctx) => {
    const out: Record<string, string> = {}
    for (const pair of text.split(',')) {
      const at = pair.indexOf('=')
      const key = pair.slice(0, at).trim()
      const value = pair.slice(at + 1).trim()
      if (at <= 0 || !LABEL_KEY_PATTERN.test(key) || !LABEL_VALUE_PATTERN.test(value)) {
        ctx.addIssue({ code: 'custom', message: 'must be labels like zone=eu,os=linux' })
        return z.NEVER
      }
      out[key] = value
    }
    return out
  })

const fields = {
  threshold: z.coerce.number().min(0).max(100).optional(),
  maxAge: duration(1000, MAX_AGE_MS, '1s to 366 days').optional(),
  run: flag.optional(),
  anyVersion: flag.optional(),
  timeout: duration(1000, MAX_WAIT_MS, '1s to 30m').optional(),
  agent: z
    .string()
    .max(63)
    .regex(AGENT_NAME_PATTERN, 'must be an agent name: lowercase letters, digits and dashes')
    .optional(),
  labels: labels.optional(),
}

/** The query string: only the gate's own fields. */
export const gateQuery = z.strictObject(fields)

/**
 * Flagger's payload (docs.flagger.app/usage/webhooks): `{name, namespace, phase, checksum,
 * metadata}`; `metadata` holds the webhook's own strings, among them the token (read by the
 * app before this, never echoed) and any of the gate's fields.
 */
export const flaggerBody = z
  .object({
    name: z.string().max(253).optional(),
    namespace: z.string().max(253).optional(),
    phase: z.string().max(64).optional(),
    checksum: z.string().max(256).optional(),
    metadata: z.record(z.string(), z.string().max(4096)).optional(),
  })
  .passthrough()
  .optional()

export type GateQuery = z.output<typeof gateQuery>
export type FlaggerBody = z.output<typeof flaggerBody>

export interface GateRequest {
  /** The version is filled in by the gate, from the experiment. */
  rule: Omit<GateRule, 'version'>
  /** Runs of any version count, not only the current one's. */
  anyVersion: boolean
  run: boolean
  waitMs: number
  placement?: ContinuousPlacement
}

/** The metadata's gate fields, checked as `body.metadata.<field>`; other keys are the caller's. */
export function metadataOptions(metadata: Record<string, string> | undefined): GateQuery {
  const picked: Record<string, string> = {}
  for (const key of Object.keys(fields)) {
    const value = metadata?.[key]
    if (value !== undefined) {
      picked[key] = value
    }
  }
  return parseRequestPart('body', z.object({ metadata: z.strictObject(fields) }), {
    metadata: picked,
  }).metadata
}

export function gateRequest(query: GateQuery, metadata: GateQuery = {}): GateRequest {
  const merged = { ...metadata, ...definedOnly(query) }
  if (merged.agent !== undefined && merged.labels !== undefined) {
    throw new HttpError(400, 'validation', 'query: give agent or labels, not both')
  }
  const placement: ContinuousPlacement | undefined =
    merged.agent !== undefined
      ? { agent: merged.agent }
      : merged.labels !== undefined
        ? { labels: merged.labels }
        : undefined
  return {
    rule: {
      threshold: merged.threshold ?? 100,
      ...(merged.maxAge !== undefined ? { maxAgeMs: merged.maxAge } : {}),
    },
    run: merged.run ?? false,
    anyVersion: merged.anyVersion ?? false,
    waitMs: merged.timeout ?? DEFAULT_WAIT_MS,
    ...(placement !== undefined ? { placement } : {}),
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
