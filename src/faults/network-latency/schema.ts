import { z } from 'zod'
import { duration, faultTiming, strictObject } from '../../experiment/schema-parts.js'

/** Delay (and jitter) on a host's egress with netem; needs a kernel with sch_netem. */
export const networkLatencySchema = strictObject({
  type: z.literal('network-latency'),
  host: z.string({ error: 'must be a host name' }),
  latency: duration(),
  jitter: duration().optional(),
  network: z.string().optional(),
  ...faultTiming,
})
export type NetworkLatencyParams = z.output<typeof networkLatencySchema>
