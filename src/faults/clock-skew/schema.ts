import { z } from 'zod'
import {
  duration,
  faultTiming,
  strictObject,
  targetSelector,
} from '../../experiment/schema-parts.js'
import type { Example } from '../../experiment/example.js'
import { OFFSET_PATTERN } from './offset.js'
import { parseDuration } from '../../shared/duration.js'

const CLOCK_SKEW =
  "clock-skew: the target's wall clock is set off by an offset, runs fast or slow (drift), and jumps forward or back during the window; back to the real time on undo. Needs a service launched with `preload: [libfaketime]`."

const offset = () =>
  z
    .string({ error: 'must be an offset like -90s or +2h' })
    .regex(new RegExp(OFFSET_PATTERN), { error: 'must be an offset like -90s or +2h' })

const jump = strictObject({
  at: duration().meta({
    description:
      'When the jump happens, counted from the injection (before the end of `duration`).',
    examples: ['10s'],
  }),
  by: offset().meta({
    description:
      'How far the clock steps: forward (`+1h`) or back (`-30s`), on top of the skew it has.',
    examples: ['+1h', '-30s'],
  }),
}).describe('One step of the clock during the window.')

export const clockSkewSchema = strictObject({
  type: z.literal('clock-skew').describe(CLOCK_SKEW),
  target: targetSelector(),
  offset: offset()
    .optional()
    .meta({
      description:
        "How far the target's wall clock is set from the real time at injection: `-90s` (behind), `+2h` (ahead).",
      default: '0s',
      examples: ['-90s', '+2h'],
    }),
  drift: z
    .number({ error: 'must be a rate like 1.5' })
    .gt(0, { error: 'must be more than 0 (1 is the real speed)' })
    .max(100, { error: 'must be at most 100' })
    .optional()
    .meta({
      description:
        "How fast the target's wall clock runs from the injection on: 1.5 = 90 s per real minute, 0.5 = 30 s (libfaketime's `x` rate). Timers and sleeps keep the real pace.",
      default: 1,
      examples: [1.5, 0.9],
    }),
  jumps: z
    .array(jump, { error: 'must be a list of { at, by }' })
    .optional()
    .describe('Steps of the clock during the window, in the order of `at`.'),
  ...faultTiming,
})
  .describe(CLOCK_SKEW)
  .superRefine((fault, ctx) => {
    if (fault.offset === undefined && fault.drift === undefined && fault.jumps === undefined) {
      ctx.addIssue({ code: 'custom', message: "needs 'offset', 'drift' or 'jumps'" })
    }
    // A jump at or after the end of the window would never happen: say so rather than skip it.
    const windowMs = parseDuration(fault.duration)
    fault.jumps?.forEach((jump, i) => {
      const atMs = parseDuration(jump.at)
      if (windowMs !== undefined && atMs !== undefined && atMs >= windowMs) {
        ctx.addIssue({
          code: 'custom',
          path: ['jumps', i, 'at'],
          message: `must be before the end of the fault (duration ${fault.duration})`,
        })
      }
    })
  })
export type ClockSkewParams = z.output<typeof clockSkewSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const clockSkewExample: Example<z.input<typeof clockSkewSchema>> = {
  system: {
    services: [{ name: 'leases', command: 'node', args: ['leases.js'], preload: ['libfaketime'] }],
  },
  value: {
    type: 'clock-skew',
    target: { service: 'leases' },
    offset: '-90s',
    drift: 1.5,
    jumps: [{ at: '20s', by: '+1h' }],
    after: '5s',
    duration: '1m',
  },
}
