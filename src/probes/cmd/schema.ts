import { z } from 'zod'
import { comparator } from '../../experiment/schema-parts.js'
import { probeSchema } from '../common-schema.js'

/** A shell command (`/bin/sh -c`); passes on the expected exit code and stdout comparator. */
export const cmdProbeSchema = probeSchema('cmd', {
  command: z.string({ error: 'must be a shell command' }).min(1),
  /** The exit code that passes, checked together with the comparator. @default 0 */
  exitCode: z.number().int().optional(),
  /** Compared against stdout with surrounding whitespace trimmed. */
  comparator: comparator().optional(),
  env: z.record(z.string(), z.string()).optional(),
})
export type CmdProbeParams = z.output<typeof cmdProbeSchema>
