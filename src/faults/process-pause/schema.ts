import { z } from 'zod'
import { faultTiming, strictObject, targetSelector } from '../../experiment/schema-parts.js'

const PROCESS_PAUSE =
  'process-pause: SIGSTOP for the duration, then SIGCONT: what a long GC pause or a frozen VM looks like.'

export const processPauseSchema = strictObject({
  type: z.literal('process-pause').describe(PROCESS_PAUSE),
  target: targetSelector(),
  ...faultTiming,
}).describe(PROCESS_PAUSE)
export type ProcessPauseParams = z.output<typeof processPauseSchema>
