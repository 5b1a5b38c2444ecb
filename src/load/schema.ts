import { z } from 'zod'
import { duration, strictObject } from '../experiment/schema-parts.js'
import { METRIC_NAMES } from './thresholds.js'
import { LOAD_DEFAULTS } from './resolve.js'
import { formatDuration } from '../shared/duration.js'
import type { Example } from '../experiment/example.js'

/** One threshold: k6's `'p(95)<200'`, or the long form with abortOnFail. */
export const thresholdSchema = z.union([
  z
    .string({ error: "must be a threshold like 'p(95)<200' or 'rate<0.01'" })
    .describe('A threshold in k6 grammar, like `p(95)<200` or `rate<0.01`.'),
  strictObject({
    threshold: z
      .string({ error: "must be a threshold like 'p(95)<200'" })
      .meta({ description: 'The expression, in k6 grammar.', examples: ['p(95)<200'] }),
    abortOnFail: z.boolean().optional().meta({
      description: 'Abort the run (every fault rolled back) as soon as the threshold fails.',
      default: false,
    }),
    delayAbortEval: duration()
      .optional()
      .meta({ description: 'Do not abort before this much of the load has run.', default: '0s' }),
  }).describe('The long form, which can abort the run.'),
])

const LOAD =
  'An open-model HTTP load: request i is due at t0 + i/rate whatever the system does; when `maxInFlight` requests are outstanding, a due request is dropped (counted), never queued.'

export const loadSchema = strictObject({
  url: z
    .string({ error: 'must be a URL' })
    .min(1)
    .meta({
      description: 'The URL to request; templated per request like `body`.',
      examples: ['http://127.0.0.1:{{proxies.front.port}}/orders'],
    }),
  method: z
    .enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], {
      error: 'must be one of GET, POST, PUT, PATCH, DELETE',
    })
    .optional()
    .meta({ description: 'The HTTP method.', default: LOAD_DEFAULTS.method }),
  headers: z
    .record(z.string(), z.string())
    .optional()
    .meta({
      description: 'Request headers (names and values templated per request).',
      examples: [{ 'content-type': 'application/json' }],
    }),
  body: z
    .string()
    .optional()
    .meta({
      description:
        'Request body, templated per request: `{{seq}}`, `{{uuid}}`, `{{now}}` (the same in every template of one request), plus system variables.',
      examples: ['{"id":"{{uuid}}"}'],
    }),
  rate: z
    .number({ error: 'must be a number of requests per second' })
    .positive({ error: 'must be above 0' })
    .max(100_000, { error: 'must be at most 100000' })
    .optional()
    .meta({
      description:
        "Requests per second, constant (k6 constant-arrival-rate). One of 'rate' or 'stages'.",
      examples: [50],
    }),
  startRate: z.number().min(0).optional().meta({
    description: 'The rate the first stage ramps from.',
    default: LOAD_DEFAULTS.startRate,
  }),
  stages: z
    .array(
      strictObject({
        duration: duration().describe('How long this stage ramps.'),
        target: z
          .number({ error: 'must be a rate' })
          .min(0)
          .max(100_000)
          .describe('The rate reached at the end of the stage, requests per second.'),
      })
    )
    .min(1)
    .optional()
    .meta({
      description:
        "A ramping rate, linear between targets (k6 ramping-arrival-rate). One of 'rate' or 'stages'.",
      examples: [
        [
          { duration: '10s', target: 100 },
          { duration: '20s', target: 100 },
        ],
      ],
    }),
  duration: duration()
    .optional()
    .meta({
      description:
        'How long the load runs; required with `rate`, not allowed with `stages` (their sum).',
      examples: ['30s'],
    }),
  maxInFlight: z.number().int().min(1).max(100_000).optional().meta({
    description:
      'Outstanding requests at most; a request due beyond that is dropped (dropped_iterations).',
    default: LOAD_DEFAULTS.maxInFlight,
  }),
  timeout: duration()
    .optional()
    .meta({
      description: 'Per-request timeout; a timed-out request has an unknown outcome (`info`).',
      default: formatDuration(LOAD_DEFAULTS.timeoutMs),
    }),
  expectedStatus: z
    .string()
    .regex(/^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/, { error: "must be like '200-399' or '200,201'" })
    .optional()
    .meta({
      description: 'Statuses that count as success.',
      default: LOAD_DEFAULTS.expectedStatus,
      examples: ['200,201'],
    }),
  id: z
    .string()
    .optional()
    .meta({
      description:
        "The operation's id in the history, known when it is sent (e.g. `{{uuid}}` also used in the body); checks match deliveries against it.",
      examples: ['{{uuid}}'],
    }),
  capture: z
    .string()
    .optional()
    .meta({
      description: "A JSONPath into a successful response whose value becomes the operation's id.",
      examples: ['$.id'],
    }),
  thresholds: z
    .record(z.string(), z.array(thresholdSchema))
    .optional()
    .meta({
      description: `k6 thresholds by metric (${METRIC_NAMES.join(', ')}); each threshold counts like a probe of the step. http_req_duration is response time, counted from when the request was due by the schedule (so a stalled server's queueing counts); http_req_service_duration counts from the actual send, like k6's http_req_duration.`,
      examples: [{ http_req_duration: ['p(99)<500'], http_req_failed: ['rate<0.01'] }],
    }),
  workers: z
    .union([z.literal('auto'), z.number().int().min(1).max(16)])
    .optional()
    .meta({
      description:
        'Generator threads, 1-16; `auto` adds worker threads when one cannot keep the rate.',
      default: LOAD_DEFAULTS.workers,
    }),
})
  .describe(LOAD)
  .superRefine((l, ctx) => {
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

/** For docs/catalogue.md (validated there through the loader): a named load step. */
export const loadExample: Example<{ name: string; load: LoadInput }> = {
  system: { proxies: [{ name: 'front', upstream: '127.0.0.1:8000' }] },
  value: {
    name: 'browse',
    load: {
      url: 'http://127.0.0.1:{{proxies.front.port}}/',
      rate: 50,
      duration: '30s',
      timeout: '2s',
      thresholds: {
        http_req_duration: ['p(99)<500'],
        http_req_failed: [{ threshold: 'rate<0.05', abortOnFail: true, delayAbortEval: '5s' }],
      },
    },
  },
}
