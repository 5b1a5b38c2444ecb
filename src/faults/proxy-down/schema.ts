import { z } from 'zod'
import { faultTiming, strictObject } from '../../experiment/schema-parts.js'

const PROXY_DOWN =
  "proxy-down: one of the run's proxies stops listening and drops its connections for the duration."

export const proxyDownSchema = strictObject({
  type: z.literal('proxy-down').describe(PROXY_DOWN),
  proxy: z
    .string({ error: 'must be a proxy name' })
    .meta({ description: 'A `spec.system.proxies` entry (tcp or http).', examples: ['front'] }),
  ...faultTiming,
}).describe(PROXY_DOWN)
export type ProxyDownParams = z.output<typeof proxyDownSchema>
