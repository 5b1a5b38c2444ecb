import { z } from 'zod'
import { faultTiming, strictObject } from '../../experiment/schema-parts.js'
import type { Example } from '../../experiment/example.js'

const CPU_STRESS =
  'cpu-stress: busy worker processes that hold `load` percent of a core each, like stress-ng --cpu-load.'

export const cpuStressSchema = strictObject({
  type: z.literal('cpu-stress').describe(CPU_STRESS),
  workers: z
    .number()
    .int()
    .min(1)
    .max(64, { error: 'must be at most 64' })
    .optional()
    .describe('How many busy worker processes, 1-64 (default: the number of cores).'),
  load: z
    .number()
    .int()
    .min(1, { error: 'must be 1-100' })
    .max(100, { error: 'must be 1-100' })
    .optional()
    .meta({ description: 'Percent of a core each worker keeps busy, 1-100.', default: 100 }),
  ...faultTiming,
}).describe(CPU_STRESS)
export type CpuStressParams = z.output<typeof cpuStressSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const cpuStressExample: Example<z.input<typeof cpuStressSchema>> = {
  value: { type: 'cpu-stress', workers: 2, load: 80, duration: '30s' },
}
