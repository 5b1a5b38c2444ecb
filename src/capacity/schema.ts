/**
 * The manifest's `capacity:` step (issue 17): the load to search with (a load step's fields
 * minus rate, duration and stages), thresholds in k6 syntax, the search's parameters and an
 * optional fault to search again under. The fault schema comes from the experiment schema as
 * a parameter, which would otherwise import this file back.
 * @module
 */
import { z } from 'zod'
import { loadSchema, thresholdSchema } from '../load/schema.js'
import { duration, strictObject } from '../experiment/schema-parts.js'
import type { Example } from '../experiment/example.js'

export const CAPACITY_DEFAULTS = {
  start: 10,
  max: 20_000,
  growth: 2,
  precision: '5%',
  trial: '10s',
  warmup: '2s',
  repeat: 1,
  faultMode: 'held',
} as const

const kPercentError = "must be a percentage like '5%' (or a fraction like 0.05)"

/** `5%` or a fraction (0.05). */
export const PERCENT_PATTERN = '^\\d+(\\.\\d+)?\\s*%$'
const percent = (description: string, examples: (string | number)[]) =>
  z
    .union(
      [
        z.string().regex(new RegExp(PERCENT_PATTERN), { error: kPercentError }),
        z.number().min(0, { error: kPercentError }).max(1, { error: kPercentError }),
      ],
      { error: kPercentError }
    )
    .meta({ description, examples })

/** `5%` → 0.05, 0.05 → 0.05. */
export function parsePercent(value: string | number): number {
  return typeof value === 'number' ? value : Number.parseFloat(value) / 100
}

// A load step's fields, without how much and how long: the search decides those per trial.
const {
  rate,
  startRate,
  stages,
  duration: loadDuration,
  thresholds,
  ...loadFields
} = loadSchema.shape
void [rate, startRate, stages, loadDuration, thresholds]

const capacityLoadSchema = strictObject(loadFields).describe(
  "What each trial sends: a load step's fields (url, method, headers, body, timeout, maxInFlight, workers...) without rate, duration, stages or thresholds, which the search sets."
)

export function capacitySchema<F extends z.ZodType>(fault: F) {
  return strictObject({
    load: capacityLoadSchema,
    thresholds: z
      .record(z.string(), z.array(thresholdSchema))
      .optional()
      .meta({
        description:
          "What must hold for a rate to pass, judged on each trial's steady part (after the warm-up), in a load step's k6 syntax. Without any: http_req_failed 'rate<0.01'. Whatever they say, a trial also fails when the system answers fewer than 95 % of the requests sent, nothing at all, or drops requests.",
        examples: [{ http_req_failed: ['rate<0.01'], http_req_duration: ['p(99)<500'] }],
      }),
    start: z
      .number({ error: 'must be a rate in requests per second' })
      .min(1, { error: 'must be at least 1' })
      .max(100_000, { error: 'must be at most 100000' })
      .optional()
      .meta({ description: 'First rate of the ramp, req/s.', default: CAPACITY_DEFAULTS.start }),
    max: z
      .number({ error: 'must be a rate in requests per second' })
      .min(1, { error: 'must be at least 1' })
      .max(100_000, { error: 'must be at most 100000' })
      .optional()
      .meta({
        description: 'The search never tries a rate above this, req/s.',
        default: CAPACITY_DEFAULTS.max,
      }),
    growth: z
      .number({ error: 'must be a number' })
      .gt(1, { error: 'must be above 1' })
      .max(10, { error: 'must be at most 10' })
      .optional()
      .meta({
        description: 'Ramp factor: each ramp trial asks this many times the last rate.',
        default: CAPACITY_DEFAULTS.growth,
      }),
    precision: percent(
      'The bisection stops when (high − low) / low is at most this (the answer is within it of the capacity, never above).',
      ['5%']
    )
      .optional()
      .meta({ default: CAPACITY_DEFAULTS.precision }),
    trial: duration().optional().meta({
      description: "Each trial's length, warm-up included.",
      default: CAPACITY_DEFAULTS.trial,
    }),
    warmup: duration().optional().meta({
      description: 'The first part of each trial, not judged (connections, caches, queues fill).',
      default: CAPACITY_DEFAULTS.warmup,
    }),
    repeat: z
      .number({ error: 'must be a whole number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .max(10, { error: 'must be at most 10' })
      .optional()
      .meta({
        description:
          'Trials per rate; a rate passes only if every one passes (bounds noise, costs time).',
        default: CAPACITY_DEFAULTS.repeat,
      }),
    fault: fault
      .optional()
      .describe(
        "Search again with this fault (a fault step's body): the result is the capacity without and with it, and the change."
      ),
    faultMode: z
      .enum(['held', 'per-trial'], { error: "must be 'held' or 'per-trial'" })
      .optional()
      .meta({
        description:
          "`held`: the fault is injected once for the whole fault phase, which ends when the search does or when the fault's duration runs out; `per-trial`: injected before each trial's warm-up and reverted after it (its duration is then each trial's length).",
        default: CAPACITY_DEFAULTS.faultMode,
      }),
    expect: strictObject({
      atLeast: z
        .number({ error: 'must be a rate in requests per second' })
        .min(0)
        .optional()
        .meta({ description: 'Least sustainable rate with the fault, req/s.', examples: [1000] }),
      maxLoss: percent('Largest loss of capacity the fault may cause.', ['40%']).optional(),
    })
      .optional()
      .describe(
        'The hypothesis about the fault phase: when given and not met, the step fails (the run fails, the step scores 0). Without it the step passes when the search completes.'
      ),
  }).describe(
    'Search for the highest open-model rate at which the thresholds hold (a ramp, then a bisection), then again under a fault: the sustainable rate in each case and the loss.'
  )
}

export type CapacityInput = z.input<ReturnType<typeof capacitySchema<z.ZodType>>> & {
  fault?: z.input<z.ZodType>
}

/** For docs/catalogue.md (validated there through the loader): a named capacity step. */
export const capacityExample: Example<{ name: string; capacity: CapacityInput }> = {
  system: {
    services: [
      {
        name: 'api',
        command: 'node',
        args: ['server.js'],
        replicas: 2,
        ports: { http: 0 },
        restart: 'never',
      },
    ],
  },
  value: {
    name: 'find-capacity',
    capacity: {
      load: { url: 'http://127.0.0.1:{{services.api.ports.http}}/', timeout: '2s' },
      thresholds: { http_req_failed: ['rate<0.01'], http_req_duration: ['p(99)<500'] },
      start: 100,
      max: 20000,
      precision: '5%',
      trial: '10s',
      warmup: '2s',
      fault: {
        type: 'process-kill',
        target: { service: 'api', mode: 'one' },
        duration: '5m',
      },
      faultMode: 'held',
      expect: { maxLoss: '60%' },
    },
  },
}
