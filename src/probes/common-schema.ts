import { z } from 'zod'
import { duration, strictObject } from '../experiment/schema-parts.js'

/** The five Litmus probe modes. */
export const PROBE_MODES = ['SOT', 'EOT', 'Edge', 'Continuous', 'OnChaos'] as const
export type ProbeMode = (typeof PROBE_MODES)[number]

/** Litmus runProperties with ordeal's names (durations as strings). */
export const runPropertiesSchema = strictObject({
  /** Per-attempt timeout. @default '5s' */
  timeout: duration().optional(),
  /** Wait between attempts. @default '1s' */
  interval: duration().optional(),
  /** Attempts before the probe fails; the first passing attempt wins. @default 1 */
  attempts: z.number().int().min(1, { error: 'must be at least 1' }).optional(),
  /** Sleep between iterations of Continuous and OnChaos probes. @default '1s' */
  pollingInterval: duration().optional(),
  /** Wait before the first run; in OnChaos it shortens the window. @default '0s' */
  initialDelay: duration().optional(),
  /** A failure aborts the run and rolls every fault back. @default false */
  stopOnFailure: z.boolean().optional(),
})

/** The fields every probe carries, merged into each probe type's schema. */
export function probeSchema<T extends string, S extends z.core.$ZodLooseShape>(type: T, shape: S) {
  return strictObject({
    name: z.string({ error: 'must be a probe name' }).regex(/^[A-Za-z0-9][\w.-]*$/, {
      error: 'must be a name of letters, digits, dot, dash or underscore',
    }),
    type: z.literal(type),
    mode: z.enum(PROBE_MODES, { error: `must be one of ${PROBE_MODES.join(', ')}` }),
    runProperties: runPropertiesSchema.optional(),
    ...shape,
  })
}
