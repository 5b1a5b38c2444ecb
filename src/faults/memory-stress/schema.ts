import { z } from 'zod'
import { faultTiming, size, strictObject } from '../../experiment/schema-parts.js'
import type { Example } from '../../experiment/example.js'

const MEMORY_STRESS =
  'memory-stress: allocates and touches `size` bytes in a worker process; capped to half of physical memory.'

export const memoryStressSchema = strictObject({
  type: z.literal('memory-stress').describe(MEMORY_STRESS),
  size: size().meta({
    description: 'Bytes to allocate, like 256Mi or 1G (capped to half of physical memory).',
    examples: ['256Mi'],
  }),
  ...faultTiming,
}).describe(MEMORY_STRESS)
export type MemoryStressParams = z.output<typeof memoryStressSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const memoryStressExample: Example<z.input<typeof memoryStressSchema>> = {
  value: { type: 'memory-stress', size: '512Mi', duration: '30s' },
}
