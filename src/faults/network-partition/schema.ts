import { z } from 'zod'
import { faultTiming, strictObject } from '../../experiment/schema-parts.js'

/**
 * Splits hosts into groups that cannot reach each other. `both`: nothing crosses between
 * groups. `one-way`: packets sent by the first group to the others are dropped, packets from the
 * others to the first group arrive (so TCP fails both ways, its replies being lost; datagrams
 * still flow into the first group).
 */
export const networkPartitionSchema = strictObject({
  type: z.literal('network-partition'),
  between: z
    .array(z.array(z.string(), { error: 'must be a list of host names' }).min(1), {
      error: 'must be a list of groups of hosts, like [[a], [b, c]]',
    })
    .min(2, { error: 'needs at least two groups' }),
  /** @default 'both' */
  direction: z.enum(['both', 'one-way'], { error: "must be 'both' or 'one-way'" }).optional(),
  ...faultTiming,
})
export type NetworkPartitionParams = z.output<typeof networkPartitionSchema>
