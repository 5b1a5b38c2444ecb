import { z } from 'zod'
import { faultTiming, strictObject, targetSelector } from '../../experiment/schema-parts.js'

/** SIGSTOP for the duration, then SIGCONT: what a long GC pause or a frozen VM looks like. */
export const processPauseSchema = strictObject({
  type: z.literal('process-pause'),
  target: targetSelector(),
  ...faultTiming,
})
export type ProcessPauseParams = z.output<typeof processPauseSchema>
