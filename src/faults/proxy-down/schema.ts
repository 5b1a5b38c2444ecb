import { z } from 'zod'
import { faultTiming, strictObject } from '../../experiment/schema-parts.js'

/** One of the run's proxies stops listening and drops its connections for the duration. */
export const proxyDownSchema = strictObject({
  type: z.literal('proxy-down'),
  /** A `spec.system.proxies` entry (tcp or http). */
  proxy: z.string({ error: 'must be a proxy name' }),
  ...faultTiming,
})
export type ProxyDownParams = z.output<typeof proxyDownSchema>
