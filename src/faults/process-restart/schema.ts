import { z } from 'zod'
import {
  duration,
  faultTiming,
  strictObject,
  targetSelector,
} from '../../experiment/schema-parts.js'
import type { Example } from '../../experiment/example.js'
import { APP_SERVICE } from '../example-systems.js'

const PROCESS_RESTART =
  'process-restart: graceful stop (SIGTERM, then SIGKILL after `gracePeriod`) and start again of replicas of a launched service.'

export const processRestartSchema = strictObject({
  type: z.literal('process-restart').describe(PROCESS_RESTART),
  target: targetSelector(),
  gracePeriod: duration()
    .optional()
    .meta({ description: 'Time between SIGTERM and SIGKILL.', default: '5s' }),
  ...faultTiming,
}).describe(PROCESS_RESTART)
export type ProcessRestartParams = z.output<typeof processRestartSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const processRestartExample: Example<z.input<typeof processRestartSchema>> = {
  system: { services: [APP_SERVICE] },
  value: {
    type: 'process-restart',
    target: { service: 'app', mode: 'fixed', value: 1 },
    gracePeriod: '2s',
    duration: '20s',
  },
}
