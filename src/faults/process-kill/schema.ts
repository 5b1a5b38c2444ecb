import { z } from 'zod'
import { faultTiming, strictObject, targetSelector, timing } from '../../experiment/schema-parts.js'
import type { Example } from '../../experiment/example.js'
import { APP_SERVICE } from '../example-systems.js'

const PROCESS_KILL =
  'process-kill: sends a signal to the selected processes; with `interval`, again and again (Litmus pod-delete).'

export const processKillSchema = strictObject({
  type: z.literal('process-kill').describe(PROCESS_KILL),
  target: targetSelector(),
  signal: z
    .string()
    .regex(/^SIG[A-Z0-9]+$/, { error: 'must be a signal name like SIGKILL' })
    .optional()
    .meta({ description: 'The signal to send.', default: 'SIGKILL', examples: ['SIGTERM'] }),
  interval: timing({ positive: true })
    .optional()
    .meta({
      description:
        "Repeat the kill every `interval` until `duration` ends (default: once). A range `300ms..900ms` or a jitter `10s±2s` draws each wait anew from the run's seed, so kills do not always land at the same point of the service's work. A supervised service is restarted per its `restart` policy in between.",
      examples: ['5s', '3s..8s', '10s±2s'],
    }),
  ...faultTiming,
}).describe(PROCESS_KILL)
export type ProcessKillParams = z.output<typeof processKillSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const processKillExample: Example<z.input<typeof processKillSchema>> = {
  system: { services: [APP_SERVICE] },
  value: {
    type: 'process-kill',
    target: { service: 'app', mode: 'fixed-percent', value: 50, maxTargets: 2 },
    interval: '10s',
    duration: '30s',
  },
}
