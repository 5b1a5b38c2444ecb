/**
 * `spec.schedules`: when the Chaos Center runs the experiment by itself (issue 16). `ordeal run`
 * ignores them (one run, now); the server reads them from the current version, so a schedule
 * travels with its manifest: through git, an export, an import (Litmus #3484 loses it).
 * The cron expression and time zone are checked here by the same library that fires them.
 * @module
 */
import { z } from 'zod'
import { NAME_PATTERN } from '../shared/names.js'
import { duration, strictObject } from './schema-parts.js'

export const CONCURRENCY_POLICIES = ['Forbid', 'Allow', 'Replace'] as const
export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const
export const DEFAULT_HISTORY_LIMIT = 100
const CLOCK_TIME = '^([01]\\d|2[0-3]):[0-5]\\d$'

const reason = z
  .string()
  .optional()
  .describe('Why the window exists, shown with every tick it skips (e.g. `change freeze`).')

export const excludedWindowSchema = z.union(
  [
    strictObject({
      days: z
        .array(z.enum(WEEKDAYS, { error: `must be one of ${WEEKDAYS.join(', ')}` }))
        .min(1)
        .optional()
        .describe("The weekdays it applies on, in the schedule's time zone (absent: every day)."),
      from: z
        .string()
        .regex(new RegExp(CLOCK_TIME), { error: 'must be a time like 09:00' })
        .describe('Start of the window, HH:MM in the schedule time zone (inclusive).'),
      to: z
        .string()
        .regex(new RegExp(CLOCK_TIME), { error: 'must be a time like 10:00' })
        .describe('End of the window, HH:MM (exclusive); before `from` means it spans midnight.'),
      reason,
    }),
    strictObject({
      start: z.iso
        .datetime({ offset: true, error: 'must be an ISO time like 2026-12-20T00:00:00Z' })
        .describe('Start of a one-off span (a change freeze), an ISO time with its offset.'),
      end: z.iso
        .datetime({ offset: true, error: 'must be an ISO time like 2027-01-04T00:00:00Z' })
        .describe('End of the span (exclusive).'),
      reason,
    }),
  ],
  { error: 'must be {days?, from, to} or {start, end}' }
)

export const scheduleSchema = strictObject({
  name: z
    .string({ error: 'must be a name' })
    .regex(NAME_PATTERN, { error: 'must be lowercase letters, digits and dashes' })
    .describe("The schedule's name, unique within the experiment (its ticks are kept under it)."),
  cron: z
    .string({ error: 'must be a cron expression like "0 3 * * *"' })
    .min(1)
    .meta({
      description:
        'When to run: a 5-field cron expression (minute hour day-of-month month day-of-week), or 6 fields with seconds first.',
      examples: ['0 3 * * *', '*/15 9-17 * * Mon-Fri'],
    }),
  timeZone: z
    .string()
    .optional()
    .meta({
      description: 'The IANA time zone the expression is read in (daylight saving handled).',
      default: 'UTC',
      examples: ['Europe/Paris'],
    }),
  jitter: duration()
    .optional()
    .describe(
      'Each tick starts up to this much later, at random (spreads many schedules on one minute).'
    ),
  concurrencyPolicy: z
    .enum(CONCURRENCY_POLICIES, { error: `must be one of ${CONCURRENCY_POLICIES.join(', ')}` })
    .optional()
    .meta({
      description:
        'A tick while a run of this experiment is still going: Forbid skips the tick, Allow starts another run, Replace aborts the running one (rolled back) and starts anew.',
      default: 'Forbid',
    }),
  startingDeadlineSeconds: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe(
      'A tick that could not start within this many seconds of its time (the server was down) is skipped and recorded, never run late. Absent: only the latest missed tick runs, once.'
    ),
  historyLimit: z
    .number()
    .int()
    .min(1)
    .optional()
    .meta({ description: 'How many ticks are kept.', default: DEFAULT_HISTORY_LIMIT }),
  exclude: z
    .array(excludedWindowSchema)
    .optional()
    .describe('Windows when ticks are skipped (recorded as skipped, with the reason).'),
  suspend: z
    .boolean()
    .optional()
    .describe('Declared paused: no tick runs until it is false (the UI can pause too).'),
  agent: z
    .string()
    .optional()
    .describe('Run on this registered agent (absent, with no labels: on the server).'),
  labels: z
    .record(z.string(), z.string())
    .optional()
    .describe('Run on any connected agent carrying every one of these labels.'),
})

export type ScheduleInput = z.input<typeof scheduleSchema>
export type ExcludedWindowInput = z.input<typeof excludedWindowSchema>
