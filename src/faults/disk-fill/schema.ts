import { z } from 'zod'
import { faultTiming, size, strictObject } from '../../experiment/schema-parts.js'
import type { Example } from '../../experiment/example.js'
import { APP_SERVICE } from '../example-systems.js'

const DISK_FILL =
  'disk-fill: writes a filler file into `path`, `size` bytes or until the filesystem is `percent` full; removed at undo.'

export const diskFillSchema = strictObject({
  type: z.literal('disk-fill').describe(DISK_FILL),
  path: z
    .string({ error: 'must be a directory path' })
    .min(1)
    .meta({
      description: "The directory the filler file goes into, relative to the manifest's directory.",
      examples: ['/var/tmp', '{{services.db.dataDir}}'],
    }),
  size: size()
    .optional()
    .meta({
      description: "Bytes to write, like 256Mi or 1G. One of 'size' or 'percent'.",
      examples: ['512Mi'],
    }),
  percent: z
    .number()
    .min(1, { error: 'must be 1-99' })
    .max(99, { error: 'must be 1-99' })
    .optional()
    .describe(
      "Fill the filesystem until it is this percent full, 1-99. One of 'size' or 'percent'."
    ),
  ...faultTiming,
})
  .describe(DISK_FILL)
  .superRefine((f, ctx) => {
    if ((f.size === undefined) === (f.percent === undefined)) {
      ctx.addIssue({ code: 'custom', message: "needs exactly one of 'size' or 'percent'" })
    }
  })
export type DiskFillParams = z.output<typeof diskFillSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const diskFillExample: Example<z.input<typeof diskFillSchema>> = {
  system: { services: [APP_SERVICE] },
  value: { type: 'disk-fill', path: '{{services.app.dataDir}}', percent: 90, duration: '1m' },
}
