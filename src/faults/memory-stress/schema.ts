import { z } from 'zod'
import { faultTiming, size, strictObject } from '../../experiment/schema-parts.js'

/** Allocates and touches `size` bytes in a worker process; capped to half of physical memory. */
export const memoryStressSchema = strictObject({
  type: z.literal('memory-stress'),
  size: size(),
  ...faultTiming,
})
export type MemoryStressParams = z.output<typeof memoryStressSchema>
