import { z } from 'zod'
import { faultTiming, strictObject } from '../../experiment/schema-parts.js'

/** Busy worker processes that hold `load` percent of a core each, like stress-ng --cpu-load. */
export const cpuStressSchema = strictObject({
  type: z.literal('cpu-stress'),
  /** @default the number of cores */
  workers: z.number().int().min(1).max(64, { error: 'must be at most 64' }).optional(),
  /** @default 100 */
  load: z
    .number()
    .int()
    .min(1, { error: 'must be 1-100' })
    .max(100, { error: 'must be 1-100' })
    .optional(),
  ...faultTiming,
})
export type CpuStressParams = z.output<typeof cpuStressSchema>
