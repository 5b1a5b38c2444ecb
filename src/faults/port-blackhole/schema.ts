import { z } from 'zod'
import { faultTiming, strictObject } from '../../experiment/schema-parts.js'

/** Every packet to one port of a host is dropped silently: clients time out, nothing refuses. */
export const portBlackholeSchema = strictObject({
  type: z.literal('port-blackhole'),
  host: z.string({ error: 'must be a host name' }),
  port: z.number({ error: 'must be a port' }).int().min(1).max(65535),
  /** @default 'tcp' */
  protocol: z.enum(['tcp', 'udp'], { error: "must be 'tcp' or 'udp'" }).optional(),
  ...faultTiming,
})
export type PortBlackholeParams = z.output<typeof portBlackholeSchema>
