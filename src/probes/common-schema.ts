import { z } from 'zod'
import { duration, logicalAgent, strictObject } from '../experiment/schema-parts.js'
import { DEFAULTS } from '../experiment/defaults.js'

/** The five Litmus probe modes. */
export const PROBE_MODES = ['SOT', 'EOT', 'Edge', 'Continuous', 'OnChaos'] as const
export type ProbeMode = (typeof PROBE_MODES)[number]

/** Litmus runProperties with ordeal's names (durations as strings). */
export const runPropertiesSchema = strictObject({
  timeout: duration()
    .optional()
    .meta({ description: 'Per-attempt timeout.', default: DEFAULTS.probeTimeout }),
  interval: duration()
    .optional()
    .meta({ description: 'Wait between attempts.', default: DEFAULTS.probeInterval }),
  attempts: z.number().int().min(1, { error: 'must be at least 1' }).optional().meta({
    description: 'Attempts before the probe fails; the first passing attempt wins.',
    default: DEFAULTS.probeAttempts,
  }),
  pollingInterval: duration().optional().meta({
    description: 'Sleep between iterations of Continuous and OnChaos probes.',
    default: DEFAULTS.pollingInterval,
  }),
  initialDelay: duration().optional().meta({
    description: 'Wait before the first run; in OnChaos mode it shortens the window.',
    default: DEFAULTS.initialDelay,
  }),
  stopOnFailure: z
    .boolean()
    .optional()
    .meta({ description: 'A failure aborts the run and rolls every fault back.', default: false }),
}).describe('How the probe is retried and paced (Litmus runProperties).')

/** The fields every probe carries, merged into each probe type's schema. */
export function probeSchema<T extends string, S extends z.core.$ZodLooseShape>(
  type: T,
  shape: S,
  description: string
) {
  return strictObject({
    name: z
      .string({ error: 'must be a probe name' })
      .regex(/^[A-Za-z0-9][\w.-]*$/, {
        error: 'must be a name of letters, digits, dot, dash or underscore',
      })
      .meta({
        description:
          'Unique probe name (letters, digits, dot, dash, underscore); shown in results, JUnit test cases and abort conditions.',
        examples: ['front-answers'],
      }),
    type: z.literal(type).describe(`${type}: ${description}`),
    mode: z.enum(PROBE_MODES, { error: `must be one of ${PROBE_MODES.join(', ')}` }).meta({
      description:
        "When the probe runs (Litmus modes): SOT once before the step's chaos, EOT once after, Edge both (passes only if both pass), Continuous in a loop from before the chaos until after it, OnChaos in a loop while a fault of the step is active. Continuous and OnChaos fail at the first failing iteration.",
      examples: ['Continuous'],
    }),
    runProperties: runPropertiesSchema.optional(),
    agent: logicalAgent()
      .optional()
      .meta({
        description:
          'Multi-host: the logical agent of spec.system.agents the probe runs from (required when agents are declared).',
        examples: ['a'],
      }),
    ...shape,
  }).describe(`${type}: ${description}`)
}
