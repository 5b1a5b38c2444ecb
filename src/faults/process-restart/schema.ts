import { z } from 'zod'
import { faultTiming, strictObject, targetSelector } from '../../experiment/schema-parts.js'

/** Graceful stop (SIGTERM, then SIGKILL after `gracePeriod`) and start of supervised replicas. */
export const processRestartSchema = strictObject({
  type: z.literal('process-restart'),
  target: targetSelector(),
  /** @default '5s' */
  gracePeriod: faultTiming.duration.optional(),
  ...faultTiming,
})
export type ProcessRestartParams = z.output<typeof processRestartSchema>
