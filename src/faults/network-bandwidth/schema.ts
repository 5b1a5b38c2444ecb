import { z } from 'zod'
import { faultTiming, strictObject } from '../../experiment/schema-parts.js'

export const RATE_PATTERN = '^\\d+(\\.\\d+)?(bit|kbit|mbit|gbit)$'

/** A token-bucket (tbf) limit on a host's interfaces. */
export const networkBandwidthSchema = strictObject({
  type: z.literal('network-bandwidth'),
  host: z.string({ error: 'must be a host name' }),
  /** Like `1mbit`, `512kbit`, `10mbit` (tc units: bits per second). */
  rate: z
    .string()
    .regex(new RegExp(RATE_PATTERN), { error: 'must be a rate like 1mbit or 512kbit' }),
  /** Only the interface on this network; default: every network the host joins. */
  network: z.string().optional(),
  /** egress: what the host sends; ingress: what it receives. @default 'both' */
  direction: z
    .enum(['both', 'ingress', 'egress'], { error: "must be 'both', 'ingress' or 'egress'" })
    .optional(),
  ...faultTiming,
})
export type NetworkBandwidthParams = z.output<typeof networkBandwidthSchema>
