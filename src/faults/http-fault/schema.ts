import { z } from 'zod'
import { duration, faultTiming, strictObject } from '../../experiment/schema-parts.js'

const statusAction = strictObject({
  /** Answered by the proxy without forwarding the request (xk6-disruptor semantics). */
  status: z.number({ error: 'must be an HTTP status' }).int().min(100).max(599),
  body: z.string().optional(),
})
const delayAction = strictObject({
  /** Added before the request is forwarded. */
  delay: duration(),
})
const resetAction = strictObject({
  /** The client's connection is destroyed without an answer. */
  reset: z.literal(true, { error: 'must be true' }),
})

/** Errors, delays or resets for a share of the matching requests through an http proxy. */
export const httpFaultSchema = strictObject({
  type: z.literal('http-fault'),
  /** A `spec.system.proxies` entry of kind http. */
  proxy: z.string({ error: 'must be a proxy name' }),
  /** Every condition given must hold; none = every request. */
  match: strictObject({
    method: z.string().optional(),
    /** A path prefix such as `/api/orders`. */
    path: z.string().optional(),
    /** A regular expression over the path (without the query). */
    pathRegex: z.string().optional(),
    /** Headers that must be present with exactly these values (names case-insensitive). */
    headers: z.record(z.string(), z.string(), { error: 'must be a map of strings' }).optional(),
  }).optional(),
  /** Share of matching requests affected, 0-100. @default 100 */
  percent: z
    .number({ error: 'must be a number' })
    .min(0, { error: 'must be between 0 and 100' })
    .max(100, { error: 'must be between 0 and 100' })
    .optional(),
  action: z.union([statusAction, delayAction, resetAction], {
    error: 'must be one of { status, body? }, { delay } or { reset: true }',
  }),
  ...faultTiming,
})
export type HttpFaultParams = z.output<typeof httpFaultSchema>
