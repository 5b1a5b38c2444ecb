import { z } from 'zod'
import { faultTiming, strictObject, targetSelector } from '../../experiment/schema-parts.js'
import type { Example } from '../../experiment/example.js'
import { APP_SERVICE } from '../example-systems.js'
import { errnoNameField } from './errnos.js'
import { isKnownCall, unknownCallMessage } from './points.js'

const SYSCALL_ERROR =
  'syscall-error: makes chosen libc calls (write, fsync, open, malloc, network calls) of the selected processes fail with an errno, at a probability, for the duration (libfiu; the service needs `preload: [libfiu]`).'

export const syscallErrorSchema = strictObject({
  type: z.literal('syscall-error').describe(SYSCALL_ERROR),
  target: targetSelector(),
  calls: z
    .array(
      z.string({ error: 'must be a libfiu failure point name' }).superRefine((call, ctx) => {
        if (!isKnownCall(call)) {
          ctx.addIssue({ code: 'custom', message: unknownCallMessage(call) })
        }
      }),
      { error: 'must be a list of libfiu failure point names' }
    )
    .min(1, { error: 'needs at least one call' })
    .meta({
      description:
        'The libfiu failure points to make fail: a call (`posix/io/rw/write`, `posix/io/sync/fsync`, `posix/io/oc/open`, `libc/mm/malloc`) or a family ending in `/*` (`posix/io/net/*`). A `…/reduce` point makes reads and writes short instead of failing. See docs/syscall-errors.md for the list.',
      examples: [['posix/io/rw/write', 'posix/io/sync/fsync'], ['posix/io/net/*']],
    }),
  errno: errnoNameField()
    .optional()
    .meta({
      description:
        "The errno a failing call sets (its return value is the call's usual failure: -1, NULL, EOF). Default: for each failure, one chosen at random among the errnos the call's man page lists (write: EIO, ENOSPC, EINTR, …).",
      examples: ['EIO', 'ENOSPC', 'EAGAIN'],
    }),
  probability: z
    .number({ error: 'must be a number, more than 0 and at most 1' })
    .gt(0, { error: 'must be more than 0 and at most 1' })
    .lte(1, { error: 'must be more than 0 and at most 1' })
    .default(1)
    .meta({
      description: 'The chance that each call fails while the fault holds, more than 0, at most 1.',
      examples: [0.5, 0.05],
    }),
  ...faultTiming,
}).describe(SYSCALL_ERROR)
export type SyscallErrorParams = z.output<typeof syscallErrorSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const syscallErrorExample: Example<z.input<typeof syscallErrorSchema>> = {
  system: { services: [{ ...APP_SERVICE, preload: ['libfiu'] }] },
  value: {
    type: 'syscall-error',
    target: { service: 'app' },
    calls: ['posix/io/rw/write', 'posix/io/sync/fsync'],
    errno: 'EIO',
    probability: 0.5,
    duration: '20s',
  },
}
