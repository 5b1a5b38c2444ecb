import { z } from 'zod'
import { faultTiming, strictObject } from '../../experiment/schema-parts.js'
import type { Example } from '../../experiment/example.js'
import { THREE_HOSTS } from '../example-systems.js'

export const RATE_PATTERN = '^\\d+(\\.\\d+)?(bit|kbit|mbit|gbit)$'

const NETWORK_BANDWIDTH =
  "network-bandwidth: a token-bucket (tc tbf) limit on a host's interfaces (needs root)."

export const networkBandwidthSchema = strictObject({
  type: z.literal('network-bandwidth').describe(NETWORK_BANDWIDTH),
  host: z
    .string({ error: 'must be a host name' })
    .describe('A `spec.system.hosts` entry whose interfaces are limited.'),
  rate: z
    .string()
    .regex(new RegExp(RATE_PATTERN), { error: 'must be a rate like 1mbit or 512kbit' })
    .meta({
      description: 'The limit in tc units (bits per second): bit, kbit, mbit or gbit.',
      examples: ['1mbit', '512kbit'],
    }),
  network: z
    .string()
    .optional()
    .describe('Only the interface on this network (default: every network the host joins).'),
  direction: z
    .enum(['both', 'ingress', 'egress'], { error: "must be 'both', 'ingress' or 'egress'" })
    .optional()
    .meta({
      description: 'egress: what the host sends; ingress: what it receives.',
      default: 'both',
    }),
  ...faultTiming,
}).describe(NETWORK_BANDWIDTH)
export type NetworkBandwidthParams = z.output<typeof networkBandwidthSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const networkBandwidthExample: Example<z.input<typeof networkBandwidthSchema>> = {
  system: THREE_HOSTS,
  value: {
    type: 'network-bandwidth',
    host: 'n1',
    rate: '1mbit',
    direction: 'egress',
    duration: '30s',
  },
}
