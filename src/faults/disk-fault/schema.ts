import { z } from 'zod'
import {
  duration,
  faultTiming,
  strictObject,
  targetSelector,
} from '../../experiment/schema-parts.js'
import type { Example } from '../../experiment/example.js'
import { parseDuration } from '../../shared/duration.js'
import { DISK_OPERATIONS, isDiskOperation, unknownOperationMessage } from '../../disk/operations.js'
import { errnoNameField } from '../syscall-error/errnos.js'

const DISK_FAULT =
  "disk-fault: a FUSE pass-through file system (ordeal-diskfs) mounted over a service's directory for the run: adds latency to chosen operations, fails them with an errno at a probability, or simulates a power loss of a service (SIGKILL, then every write not fsynced is dropped, as Jepsen's LazyFS). Needs root and fuse3."

/** The longest latency a disk-fault adds per operation: longer reads as a hung disk, not a slow one. */
export const MAX_DISK_LATENCY_MS = 10_000

export const diskFaultSchema = strictObject({
  type: z.literal('disk-fault').describe(DISK_FAULT),
  path: z
    .string({ error: 'must be a directory path' })
    .min(1, { error: 'must be a directory path' })
    .meta({
      description:
        "The directory the file system is mounted over (its paths do not change for the service), relative to the manifest's directory, or a service's data dir. Mounted before the services start, unmounted after they stop.",
      examples: ['{{services.db.dataDir}}', '/var/tmp/store'],
    }),
  latency: duration()
    .superRefine((text, ctx) => {
      const ms = parseDuration(text)
      if (ms !== undefined && (ms <= 0 || ms > MAX_DISK_LATENCY_MS)) {
        ctx.addIssue({ code: 'custom', message: 'must be more than 0s and at most 10s' })
      }
    })
    .optional()
    .meta({
      description: 'Added to each of `operations` while the fault holds.',
      examples: ['20ms', '500ms'],
    }),
  operations: z
    .array(
      z.string({ error: 'must be an operation name like write' }).superRefine((name, ctx) => {
        if (!isDiskOperation(name)) {
          ctx.addIssue({ code: 'custom', message: unknownOperationMessage(name) })
        }
      }),
      { error: `must be a list of operations like [write, fsync]` }
    )
    .min(1, { error: 'must name at least one operation (or leave it out for all)' })
    .optional()
    .meta({
      description: `The operations \`latency\` and \`errno\` apply to: ${DISK_OPERATIONS.join(', ')} (fsync covers fdatasync; create covers mknod, symlink, link). Default: all.`,
      examples: [['write', 'fsync'], ['open']],
    }),
  errno: errnoNameField()
    .optional()
    .meta({
      description:
        'Each of `operations` fails with this errno (at `probability`) while the fault holds: EIO for a failing disk, ENOSPC for a full one, EROFS, EDQUOT, ...',
      examples: ['EIO', 'ENOSPC'],
    }),
  probability: z
    .number({ error: 'must be a number, more than 0 and at most 1' })
    .gt(0, { error: 'must be more than 0 and at most 1' })
    .lte(1, { error: 'must be more than 0 and at most 1' })
    .optional()
    .meta({
      description:
        "The chance each operation fails with `errno`, drawn per operation from the run's seed.",
      default: 1,
      examples: [0.1],
    }),
  powerLoss: strictObject({
    target: targetSelector(),
  })
    .optional()
    .meta({
      description:
        "At injection: SIGKILL each selected replica's process group, drop every write under `path` not made durable by fsync (file data) or by an fsync of its directory (creates, renames, unlinks), then start the replica again, so it recovers from what a power cut would have left. The mount then holds unsynced writes in memory for the whole run.",
      examples: [{ target: { service: 'db' } }],
    }),
  ...faultTiming,
})
  .describe(DISK_FAULT)
  .superRefine((f, ctx) => {
    if (f.latency === undefined && f.errno === undefined && f.powerLoss === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: "needs at least one of 'latency', 'errno' or 'powerLoss'",
      })
    }
    if (f.probability !== undefined && f.errno === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['probability'],
        message: "is the chance of 'errno': set errno too",
      })
    }
    if (f.operations !== undefined && f.latency === undefined && f.errno === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['operations'],
        message: "chooses what 'latency' and 'errno' apply to: set one of them too",
      })
    }
  })
export type DiskFaultParams = z.output<typeof diskFaultSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const diskFaultExample: Example<z.input<typeof diskFaultSchema>> = {
  system: {
    services: [
      {
        name: 'db',
        command: 'python3',
        args: ['store.py', '{{ports.http}}', '{{dataDir}}/records'],
        ports: { http: 0 },
      },
    ],
  },
  value: {
    type: 'disk-fault',
    path: '{{services.db.dataDir}}',
    operations: ['write', 'fsync'],
    latency: '50ms',
    errno: 'EIO',
    probability: 0.1,
    duration: '20s',
  },
}
