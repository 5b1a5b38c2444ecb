import { z } from 'zod'
import { faultTiming, strictObject } from '../../experiment/schema-parts.js'

/**
 * Random packet loss on a host's links: each packet it receives (ingress) and each packet it
 * sends (dropped on arrival at the peer, so the sender sees no error) is dropped with
 * probability percent/100.
 */
export const networkLossSchema = strictObject({
  type: z.literal('network-loss'),
  host: z.string({ error: 'must be a host name' }),
  percent: z
    .number({ error: 'must be a percentage (0-100)' })
    .gt(0, { error: 'must be more than 0' })
    .max(100, { error: 'must be at most 100' }),
  /** Only traffic between the host and this peer host. */
  peer: z.string().optional(),
  /** Only traffic to this port on the host (ingress) and from it (egress: its replies). */
  port: z.number().int().min(1).max(65535).optional(),
  /** @default 'all' */
  protocol: z.enum(['tcp', 'udp', 'all'], { error: "must be 'tcp', 'udp' or 'all'" }).optional(),
  /** @default 'both' */
  direction: z
    .enum(['both', 'ingress', 'egress'], { error: "must be 'both', 'ingress' or 'egress'" })
    .optional(),
  ...faultTiming,
})
export type NetworkLossParams = z.output<typeof networkLossSchema>
