import { z } from 'zod'
import { faultTiming, strictObject, targetSelector } from '../../experiment/schema-parts.js'
import type { Example } from '../../experiment/example.js'

const PROCESS_PAUSE =
  'process-pause: SIGSTOP for the duration, then SIGCONT: what a long GC pause or a frozen VM looks like.'

export const processPauseSchema = strictObject({
  type: z.literal('process-pause').describe(PROCESS_PAUSE),
  target: targetSelector(),
  ...faultTiming,
}).describe(PROCESS_PAUSE)
export type ProcessPauseParams = z.output<typeof processPauseSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const processPauseExample: Example<z.input<typeof processPauseSchema>> = {
  system: { attach: [{ name: 'legacy', port: 8000 }] },
  value: { type: 'process-pause', target: { attach: 'legacy' }, after: '5s', duration: '10s' },
}
