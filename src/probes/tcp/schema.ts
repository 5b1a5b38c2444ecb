import { z } from 'zod'
import { probeSchema } from '../common-schema.js'
import type { Example } from '../../experiment/example.js'

export const tcpProbeSchema = probeSchema(
  'tcp',
  {
    host: z
      .string()
      .optional()
      .meta({ description: 'The host to connect to.', default: '127.0.0.1' }),
    port: z
      .union([z.number().int().min(1).max(65535), z.string().min(1)], {
        error: 'must be a port number (1-65535) or a template',
      })
      .meta({
        description: 'The port, a number or a template.',
        examples: [8000, '{{services.db.ports.pg}}'],
      }),
    expect: z.enum(['open', 'closed'], { error: "must be 'open' or 'closed'" }).optional().meta({
      description: 'open: passes when the port accepts; closed: when it refuses.',
      default: 'open',
    }),
  },
  'a TCP connect; passes when the port accepts (or, with `expect: closed`, when it refuses).'
)
export type TcpProbeParams = z.output<typeof tcpProbeSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const tcpProbeExample: Example<z.input<typeof tcpProbeSchema>> = {
  value: { name: 'port-open', type: 'tcp', mode: 'Edge', port: 8000 },
}
