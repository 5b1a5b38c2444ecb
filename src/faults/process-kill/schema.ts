import { z } from 'zod'
import {
  duration,
  faultTiming,
  strictObject,
  targetSelector,
} from '../../experiment/schema-parts.js'

/** Sends a signal to the selected processes; with `interval`, again and again (Litmus pod-delete). */
export const processKillSchema = strictObject({
  type: z.literal('process-kill'),
  target: targetSelector(),
  /** @default 'SIGKILL' */
  signal: z
    .string()
    .regex(/^SIG[A-Z0-9]+$/, { error: 'must be a signal name like SIGKILL' })
    .optional(),
  /** Repeat the kill every `interval` until `duration` ends. */
  interval: duration().optional(),
  ...faultTiming,
})
export type ProcessKillParams = z.output<typeof processKillSchema>
