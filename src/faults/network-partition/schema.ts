import { z } from 'zod'
import { faultTiming, strictObject } from '../../experiment/schema-parts.js'
import type { Example } from '../../experiment/example.js'
import { THREE_HOSTS } from '../example-systems.js'

const NETWORK_PARTITION =
  'network-partition: splits hosts into groups that cannot reach each other (needs root).'

export const networkPartitionSchema = strictObject({
  type: z.literal('network-partition').describe(NETWORK_PARTITION),
  between: z
    .array(z.array(z.string(), { error: 'must be a list of host names' }).min(1), {
      error: 'must be a list of groups of hosts, like [[a], [b, c]]',
    })
    .min(2, { error: 'needs at least two groups' })
    .meta({
      description:
        'Two or more groups of `spec.system.hosts` names, or in a multi-host experiment of `agent:NAME` logical agents (a cross-host partition: each agent drops its side, which needs `ordeal agent --allow-host-network`); no traffic crosses between groups.',
      examples: [[['n1'], ['n2', 'n3']]],
    }),
  // one-way: TCP still fails both ways, its replies being lost; datagrams flow into group one.
  direction: z.enum(['both', 'one-way'], { error: "must be 'both' or 'one-way'" }).optional().meta({
    description:
      'both: nothing crosses between groups. one-way: packets the first group sends to the others are dropped, packets from the others reach it.',
    default: 'both',
  }),
  ...faultTiming,
}).describe(NETWORK_PARTITION)
export type NetworkPartitionParams = z.output<typeof networkPartitionSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const networkPartitionExample: Example<z.input<typeof networkPartitionSchema>> = {
  system: THREE_HOSTS,
  value: { type: 'network-partition', between: [['n1'], ['n2', 'n3']], duration: '20s' },
}
