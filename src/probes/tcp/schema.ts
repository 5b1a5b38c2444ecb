import { z } from 'zod'
import { probeSchema } from '../common-schema.js'

/** A TCP connect; passes when the port accepts (or, with `expect: closed`, when it refuses). */
export const tcpProbeSchema = probeSchema('tcp', {
  /** @default '127.0.0.1' */
  host: z.string().optional(),
  port: z.union([z.number().int().min(1).max(65535), z.string().min(1)], {
    error: 'must be a port number (1-65535) or a template',
  }),
  /** @default 'open' */
  expect: z.enum(['open', 'closed'], { error: "must be 'open' or 'closed'" }).optional(),
})
export type TcpProbeParams = z.output<typeof tcpProbeSchema>
