/**
 * Schemas of the checks over a `spec.metrics` series: `backlog` (the queue drains after the
 * fault) and `recovery` (the rate comes back after the fault).
 * @module
 */
import { z } from 'zod'
import { duration, strictObject } from '../experiment/schema-parts.js'

export const DEFAULT_RECOVERY_BASELINE = '10s'

const name = () =>
  z
    .string()
    .regex(/^[A-Za-z0-9][\w.-]*$/, {
      error: 'must be a name of letters, digits, dot, dash or underscore',
    })
    .meta({
      description: 'Unique check name; shown in results and JUnit test cases.',
      examples: ['backlog-drains'],
    })

const metric = () =>
  z
    .string({ error: 'must be the name of a spec.metrics entry' })
    .min(1)
    .meta({ description: 'The `spec.metrics` entry judged (by name).', examples: ['queue-depth'] })

const fault = () =>
  z
    .string({ error: 'must be the name of a fault step' })
    .min(1)
    .optional()
    .describe(
      'The fault step (by name) the deadline counts from; default: the last fault of the run to end.'
    )

const BACKLOG =
  'backlog: after the fault is reverted the metric (a queue depth) reads below `below` within `within`; reports the peak from the injection on.'

export const backlogCheckSchema = strictObject({
  name: name(),
  type: z.literal('backlog').describe(BACKLOG),
  metric: metric(),
  below: z
    .number({ error: 'must be a number' })
    .meta({ description: 'The bound the metric must fall under (strictly).', examples: [100] }),
  within: duration().meta({
    description: 'The deadline, counted from the fault’s revert.',
    examples: ['30s'],
  }),
  fault: fault(),
}).describe(BACKLOG)

/** `90%` or `0.9`. */
const PERCENT = /^(\d+(\.\d+)?)\s*%$/

/** `atLeast` as a ratio, or undefined when it is not a percentage or a number. */
export function ratioOf(value: string | number): number | undefined {
  if (typeof value === 'number') {
    return value
  }
  const m = PERCENT.exec(value.trim())
  return m ? Number(m[1]) / 100 : undefined
}

const kAtLeast = 'must be a percentage like 90% or a ratio like 0.9'

const RECOVERY =
  'recovery: after the fault is reverted the metric (a consumer rate) gets back to ≥ `atLeast` of its mean over `baseline` before the injection, within `within`; reports the dip.'

export const recoveryCheckSchema = strictObject({
  name: name(),
  type: z.literal('recovery').describe(RECOVERY),
  metric: metric(),
  atLeast: z
    .union(
      [
        // A bare number is a ratio: 90 would silently mean 9,000 %, so a ratio above 10 is
        // refused (write 90% or 0.9); a percentage string may say any share on purpose.
        z.number().min(0, { error: kAtLeast }).max(10, { error: kAtLeast }),
        z.string().regex(PERCENT, { error: kAtLeast }),
      ],
      { error: kAtLeast }
    )
    .meta({ description: 'The share of the before-fault mean to get back to.', examples: ['90%'] }),
  within: duration().meta({
    description: 'The deadline, counted from the fault’s revert.',
    examples: ['30s'],
  }),
  baseline: duration().optional().meta({
    description: 'The window before the injection whose mean is "before".',
    default: DEFAULT_RECOVERY_BASELINE,
  }),
  fault: fault(),
}).describe(RECOVERY)
