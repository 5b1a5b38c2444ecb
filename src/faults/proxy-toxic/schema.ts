import { z } from 'zod'
import { faultTiming, strictObject } from '../../experiment/schema-parts.js'
import { toxicTypes } from '../../proxy/toxic-spec.js'

/**
 * A Toxiproxy toxic on one of the run's `spec.system.proxies` (kind tcp) for the duration:
 * latency, bandwidth, timeout, reset_peer, ... with Toxiproxy's attribute names.
 */
export const proxyToxicSchema = strictObject({
  type: z.literal('proxy-toxic'),
  /** A `spec.system.proxies` entry of kind tcp. */
  proxy: z.string({ error: 'must be a proxy name' }),
  toxic: strictObject({
    type: z.enum(toxicTypes, { error: `must be one of ${toxicTypes.join(', ')}` }),
    /** Toxiproxy's attributes, e.g. `{ latency: 200, jitter: 50 }` (milliseconds). */
    attributes: z
      .record(z.string(), z.number().int().min(0), {
        error: 'must be a map of attribute names to non-negative integers',
      })
      .optional(),
    /** @default 'downstream' */
    stream: z
      .enum(['upstream', 'downstream'], { error: "must be 'upstream' or 'downstream'" })
      .optional(),
    /** Fraction of connections affected. @default 1 */
    toxicity: z
      .number({ error: 'must be a number' })
      .min(0, { error: 'must be between 0 and 1' })
      .max(1, { error: 'must be between 0 and 1' })
      .optional(),
  }),
  ...faultTiming,
})
export type ProxyToxicParams = z.output<typeof proxyToxicSchema>
