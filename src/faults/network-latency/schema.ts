import { z } from 'zod'
import { duration, faultTiming, strictObject } from '../../experiment/schema-parts.js'
import type { Example } from '../../experiment/example.js'
import { THREE_HOSTS } from '../example-systems.js'

const NETWORK_LATENCY =
  "network-latency: delay (and jitter) on a host's egress with netem; needs root and a kernel with sch_netem (without it, use a proxy and proxy-toxic)."

export const networkLatencySchema = strictObject({
  type: z.literal('network-latency').describe(NETWORK_LATENCY),
  host: z
    .string({ error: 'must be a host name' })
    .describe('A `spec.system.hosts` entry whose outgoing packets are delayed.'),
  latency: duration().meta({ description: 'Delay added to each packet.', examples: ['200ms'] }),
  jitter: duration()
    .optional()
    .meta({
      description: 'Random variation around `latency` (default: none).',
      examples: ['50ms'],
    }),
  network: z
    .string()
    .optional()
    .describe('Only the interface on this network (default: every network the host joins).'),
  ...faultTiming,
}).describe(NETWORK_LATENCY)
export type NetworkLatencyParams = z.output<typeof networkLatencySchema>

/** For docs/catalogue.md (validated there through the loader). */
export const networkLatencyExample: Example<z.input<typeof networkLatencySchema>> = {
  system: THREE_HOSTS,
  value: { type: 'network-latency', host: 'n1', latency: '200ms', jitter: '50ms', duration: '30s' },
}
