import { z } from 'zod'
import { faultTiming, strictObject } from '../../experiment/schema-parts.js'
import type { Example } from '../../experiment/example.js'

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

/** For docs/catalogue.md (validated there through the loader). */
export const proxyDownExample: Example<z.input<typeof proxyDownSchema>> = {
  system: { proxies: [{ name: 'front', upstream: '127.0.0.1:8000' }] },
  value: { type: 'proxy-down', proxy: 'front', after: '10s', duration: '5s' },
}
