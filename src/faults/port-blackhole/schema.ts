import { z } from 'zod'
import { faultTiming, strictObject } from '../../experiment/schema-parts.js'
import type { Example } from '../../experiment/example.js'
import { THREE_HOSTS } from '../example-systems.js'

const PORT_BLACKHOLE =
  'port-blackhole: every packet to one port of a host is dropped silently: clients time out, nothing refuses (needs root).'

export const portBlackholeSchema = strictObject({
  type: z.literal('port-blackhole').describe(PORT_BLACKHOLE),
  host: z
    .string({ error: 'must be a host name' })
    .describe('A `spec.system.hosts` entry whose port goes silent.'),
  port: z
    .number({ error: 'must be a port' })
    .int()
    .min(1)
    .max(65535)
    .meta({ description: 'The port on that host.', examples: [5432] }),
  protocol: z
    .enum(['tcp', 'udp'], { error: "must be 'tcp' or 'udp'" })
    .optional()
    .meta({ description: 'The protocol of the port.', default: 'tcp' }),
  ...faultTiming,
}).describe(PORT_BLACKHOLE)
export type PortBlackholeParams = z.output<typeof portBlackholeSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const portBlackholeExample: Example<z.input<typeof portBlackholeSchema>> = {
  system: THREE_HOSTS,
  value: { type: 'port-blackhole', host: 'n1', port: 5432, duration: '15s' },
}
