import { z } from 'zod'
import { comparator } from '../../experiment/schema-parts.js'
import { probeSchema } from '../common-schema.js'

/** A shell command (`/bin/sh -c`); passes on the expected exit code and stdout comparator. */
export const cmdProbeSchema = probeSchema('cmd', {
  command: z.string({ error: 'must be a shell command' }).min(1),
  /** @default 0 (when no comparator is given) */
  exitCode: z.number().int().optional(),
  /** Compared against stdout with surrounding whitespace trimmed. */
  comparator: comparator().optional(),
  env: z.record(z.string(), z.string()).optional(),
})
export type CmdProbeParams = z.output<typeof cmdProbeSchema>
