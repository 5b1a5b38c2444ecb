import { z } from 'zod'
import { duration, strictObject } from '../experiment/schema-parts.js'

/** One threshold: k6's `'p(95)<200'`, or the long form with abortOnFail. */
export const thresholdSchema = z.union([
  z.string({ error: "must be a threshold like 'p(95)<200' or 'rate<0.01'" }),
  strictObject({
    threshold: z.string({ error: "must be a threshold like 'p(95)<200'" }),
    abortOnFail: z.boolean().optional(),
    /** Do not abort before this much of the load has run. @default '0s' */
    delayAbortEval: duration().optional(),
  }),
])

/**
 * An open-model HTTP load: request i is due at t0 + i/rate whatever the system does; when
 * `maxInFlight` requests are outstanding, a due request is dropped (counted), never queued.
 */
export const loadSchema = strictObject({
  url: z.string({ error: 'must be a URL' }).min(1),
  /** @default 'GET' */
  method: z
    .enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], {
      error: 'must be one of GET, POST, PUT, PATCH, DELETE',
    })
    .optional(),
  headers: z.record(z.string(), z.string()).optional(),
  /** Templated per request: `{{seq}}`, `{{uuid}}`, `{{now}}`, plus system variables. */
  body: z.string().optional(),
  /** Requests per second (constant arrival rate). */
  rate: z
    .number({ error: 'must be a number of requests per second' })
    .positive({ error: 'must be above 0' })
    .max(100_000, { error: 'must be at most 100000' })
    .optional(),
  /** Ramping arrival rate: linear between targets (k6 ramping-arrival-rate). */
  startRate: z.number().min(0).optional(),
  stages: z
    .array(
      strictObject({
        duration: duration(),
        target: z.number({ error: 'must be a rate' }).min(0).max(100_000),
      })
    )
    .min(1)
    .optional(),
  /** Required with `rate`; with `stages` it is their sum. */
  duration: duration().optional(),
  /** @default 1000 */
  maxInFlight: z.number().int().min(1).max(100_000).optional(),
  /** Per-request timeout; a timed-out request has an unknown outcome (`info`). @default '10s' */
  timeout: duration().optional(),
  /** Statuses that count as success. @default '200-399' */
  expectedStatus: z
    .string()
    .regex(/^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/, { error: "must be like '200-399' or '200,201'" })
    .optional(),
  /** The operation's id in the history, known when it is sent (e.g. `'{{uuid}}'` also used in the body). */
  id: z.string().optional(),
  /** JSONPath into a successful response whose value becomes the operation's id (e.g. `$.id`). */
  capture: z.string().optional(),
  /**
   * k6 thresholds by metric: http_req_duration (response time, from when each request was due),
   * http_req_service_duration (service time, from its actual send: k6's http_req_duration),
   * http_req_failed, http_reqs, dropped_iterations.
   */
  thresholds: z.record(z.string(), z.array(thresholdSchema)).optional(),
  /** Generator threads; `auto` adds worker threads when one cannot keep the rate. @default 'auto' */
  workers: z.union([z.literal('auto'), z.number().int().min(1).max(16)]).optional(),
}).superRefine((l, ctx) => {
  if ((l.rate === undefined) === (l.stages === undefined)) {
    ctx.addIssue({
      code: 'custom',
      message: "needs exactly one of 'rate' (constant) or 'stages' (ramping)",
    })
  }
  if (l.rate !== undefined && l.duration === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['duration'],
      message: 'is required with rate (every load needs a finite duration)',
    })
  }
  if (l.stages !== undefined && l.duration !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['duration'],
      message: 'must not be set with stages (their durations add up)',
    })
  }
})
export type LoadInput = z.input<typeof loadSchema>
