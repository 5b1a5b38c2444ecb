import { z } from 'zod'
import { faultTiming, size, strictObject } from '../../experiment/schema-parts.js'

/** Writes a filler file into `path`: `size` bytes, or until the filesystem is `percent` full. */
export const diskFillSchema = strictObject({
  type: z.literal('disk-fill'),
  path: z.string({ error: 'must be a directory path' }).min(1),
  size: size().optional(),
  percent: z
    .number()
    .min(1, { error: 'must be 1-99' })
    .max(99, { error: 'must be 1-99' })
    .optional(),
  ...faultTiming,
}).superRefine((f, ctx) => {
  if ((f.size === undefined) === (f.percent === undefined)) {
    ctx.addIssue({ code: 'custom', message: "needs exactly one of 'size' or 'percent'" })
  }
})
export type DiskFillParams = z.output<typeof diskFillSchema>
