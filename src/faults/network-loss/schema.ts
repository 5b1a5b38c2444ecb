import { z } from 'zod'
import { faultTiming, strictObject } from '../../experiment/schema-parts.js'
import type { Example } from '../../experiment/example.js'
import { THREE_HOSTS } from '../example-systems.js'

// Egress loss is dropped on arrival at the peer, so the sender sees no error (as on a real link).
const NETWORK_LOSS =
  "network-loss: random packet loss on a host's links (needs root): each packet it receives and each it sends is dropped with probability percent/100."

export const networkLossSchema = strictObject({
  type: z.literal('network-loss').describe(NETWORK_LOSS),
  host: z
    .string({ error: 'must be a host name' })
    .describe('A `spec.system.hosts` entry whose traffic is dropped.'),
  percent: z
    .number({ error: 'must be a percentage (0-100)' })
    .gt(0, { error: 'must be more than 0' })
    .max(100, { error: 'must be at most 100' })
    .meta({ description: 'Chance each packet is dropped, above 0 and up to 100.', examples: [30] }),
  peer: z
    .string()
    .optional()
    .describe('Only traffic between the host and this peer host (default: all its traffic).'),
  port: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .optional()
    .describe('Only traffic to this port on the host (ingress) and from it (egress: its replies).'),
  protocol: z
    .enum(['tcp', 'udp', 'all'], { error: "must be 'tcp', 'udp' or 'all'" })
    .optional()
    .meta({ description: 'Only packets of this protocol.', default: 'all' }),
  direction: z
    .enum(['both', 'ingress', 'egress'], { error: "must be 'both', 'ingress' or 'egress'" })
    .optional()
    .meta({
      description: 'ingress: what the host receives; egress: what it sends.',
      default: 'both',
    }),
  ...faultTiming,
}).describe(NETWORK_LOSS)
export type NetworkLossParams = z.output<typeof networkLossSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const networkLossExample: Example<z.input<typeof networkLossSchema>> = {
  system: THREE_HOSTS,
  value: { type: 'network-loss', host: 'n1', percent: 30, peer: 'n2', duration: '20s' },
}
