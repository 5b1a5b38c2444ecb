import { z } from 'zod'
import { duration, strictObject } from '../experiment/schema-parts.js'

/** Where the ids the system delivered are read from. */
export const deliveredSourceSchema = strictObject({
  /** A query whose first column is the delivered id, one row per delivery. */
  sql: strictObject({
    driver: z.enum(['sqlite', 'postgres', 'mysql'], {
      error: "must be one of 'sqlite', 'postgres', 'mysql'",
    }),
    database: z.string().min(1),
    query: z.string().min(1),
  }).optional(),
  /** An endpoint answering JSON; `jsonPath` selects the ids (default `$[*]`). */
  http: strictObject({ url: z.string().min(1), jsonPath: z.string().optional() }).optional(),
  /** A file with one delivered id per line. */
  file: z.string().min(1).optional(),
}).superRefine((s, ctx) => {
  if ([s.sql, s.http, s.file].filter((v) => v !== undefined).length !== 1) {
    ctx.addIssue({ code: 'custom', message: "needs exactly one of 'sql', 'http' or 'file'" })
  }
})

const checkBase = {
  name: z.string().regex(/^[A-Za-z0-9][\w.-]*$/, {
    error: 'must be a name of letters, digits, dot, dash or underscore',
  }),
  /** The name of the load step whose history is checked (default: every load in the run). */
  load: z.string().optional(),
  source: deliveredSourceSchema,
}

/**
 * `queue`: what was acknowledged must be delivered (Jepsen total-queue). After the steps, the
 * source is polled until everything acknowledged shows up or `drain.timeout` passes.
 */
export const queueCheckSchema = strictObject({
  ...checkBase,
  type: z.literal('queue'),
  /** Duplicated deliveries: reported either way; `fail` also invalidates. @default 'allow' */
  duplicates: z.enum(['allow', 'fail'], { error: "must be 'allow' or 'fail'" }).optional(),
  drain: strictObject({
    /** @default '30s' */
    timeout: duration().optional(),
    /** @default '500ms' */
    interval: duration().optional(),
    /** Stop early when nothing new was delivered for this long: the system has settled. @default '5s' */
    quiet: duration().optional(),
  }).optional(),
})

/**
 * `set`: for read-after-write systems (Jepsen set-full). The source is read every
 * `readInterval` during the run; each added element is stable, lost or never read.
 */
export const setCheckSchema = strictObject({
  ...checkBase,
  type: z.literal('set'),
  /** @default '1s' */
  readInterval: duration().optional(),
  /** Reads continue this long after the steps, so late elements can become stable. @default '5s' */
  settle: duration().optional(),
})

export const checkSchemas = [queueCheckSchema, setCheckSchema] as const
export const CHECK_TYPES = checkSchemas.map((s) => s.shape.type.value)
export type CheckInput = z.input<typeof queueCheckSchema> | z.input<typeof setCheckSchema>
export type DeliveredSourceInput = z.input<typeof deliveredSourceSchema>
