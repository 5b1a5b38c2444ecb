import { z } from 'zod'
import { duration, strictObject } from '../experiment/schema-parts.js'
import { DEFAULTS } from '../experiment/defaults.js'
import type { Example } from '../experiment/example.js'
import type { MetricInput } from '../metrics/schema.js'
import type { StepInputType } from '../experiment/schema.js'
import { backlogCheckSchema, recoveryCheckSchema } from './metric-schema.js'

const sqlDriver = () =>
  z
    .enum(['sqlite', 'postgres', 'mysql'], {
      error: "must be one of 'sqlite', 'postgres', 'mysql'",
    })
    .describe('The database kind (mysql also serves MariaDB).')

/** Where the ids the system delivered are read from. */
export const deliveredSourceSchema = strictObject({
  sql: strictObject({
    driver: sqlDriver(),
    database: z
      .string()
      .min(1)
      .describe('A file path for sqlite; a connection URL for postgres and mysql.'),
    query: z
      .string()
      .min(1)
      .meta({
        description: 'A query whose first column is the delivered id, one row per delivery.',
        examples: ['SELECT order_id FROM deliveries'],
      }),
  })
    .optional()
    .describe("Read delivered ids from a database. One of 'sql', 'http' or 'file'."),
  http: strictObject({
    url: z
      .string()
      .min(1)
      .meta({
        description: 'An endpoint answering JSON.',
        examples: ['http://127.0.0.1:{{services.app.ports.http}}/delivered'],
      }),
    jsonPath: z
      .string()
      .optional()
      .meta({ description: 'Selects the ids in the answer.', default: '$[*]' }),
  })
    .optional()
    .describe("Read delivered ids from an HTTP endpoint. One of 'sql', 'http' or 'file'."),
  file: z
    .string()
    .min(1)
    .optional()
    .describe("A file with one delivered id per line. One of 'sql', 'http' or 'file'."),
})
  .describe('Where the ids the system delivered are read from: exactly one of sql, http or file.')
  .superRefine((s, ctx) => {
    if ([s.sql, s.http, s.file].filter((v) => v !== undefined).length !== 1) {
      ctx.addIssue({ code: 'custom', message: "needs exactly one of 'sql', 'http' or 'file'" })
    }
  })

const checkBase = {
  name: z
    .string()
    .regex(/^[A-Za-z0-9][\w.-]*$/, {
      error: 'must be a name of letters, digits, dot, dash or underscore',
    })
    .meta({
      description: 'Unique check name; shown in results and JUnit test cases.',
      examples: ['no-lost-orders'],
    }),
  load: z
    .string()
    .optional()
    .describe(
      'The name of the load step whose history is checked (default: every load in the run).'
    ),
  source: deliveredSourceSchema,
}

const QUEUE =
  'queue: what was acknowledged must be delivered (Jepsen total-queue). After the steps, the source is polled until everything acknowledged shows up or `drain.timeout` passes; lists lost, duplicated and unexpected ids.'

export const queueCheckSchema = strictObject({
  ...checkBase,
  type: z.literal('queue').describe(QUEUE),
  duplicates: z.enum(['allow', 'fail'], { error: "must be 'allow' or 'fail'" }).optional().meta({
    description: 'Duplicated deliveries are reported either way; `fail` also fails the check.',
    default: 'allow',
  }),
  drain: strictObject({
    timeout: duration().optional().meta({
      description: 'The longest wait for deliveries after the steps.',
      default: DEFAULTS.drainTimeout,
    }),
    interval: duration()
      .optional()
      .meta({ description: 'Time between reads of the source.', default: DEFAULTS.drainInterval }),
    quiet: duration().optional().meta({
      description:
        'Stop early when nothing new was delivered for this long: the system has settled.',
      default: DEFAULTS.drainQuiet,
    }),
  })
    .optional()
    .describe('How long to wait for late deliveries after the steps.'),
}).describe(QUEUE)

const SET =
  'set: for read-after-write systems (Jepsen set-full). The source is read every `readInterval` during the run; each added element is stable, lost or never read.'

export const setCheckSchema = strictObject({
  ...checkBase,
  type: z.literal('set').describe(SET),
  readInterval: duration().optional().meta({
    description: 'Time between reads of the source during the run.',
    default: DEFAULTS.readInterval,
  }),
  settle: duration().optional().meta({
    description: 'Reads continue this long after the steps, so late elements can become stable.',
    default: DEFAULTS.settle,
  }),
}).describe(SET)

export const checkSchemas = [
  queueCheckSchema,
  setCheckSchema,
  backlogCheckSchema,
  recoveryCheckSchema,
] as const
export const CHECK_TYPES = checkSchemas.map((s) => s.shape.type.value)
export type CheckInput = z.input<(typeof checkSchemas)[number]>
/** The checks over a load's history (they name a `load` and a `source`). */
export type HistoryCheckInput = z.input<typeof queueCheckSchema> | z.input<typeof setCheckSchema>
export type DeliveredSourceInput = z.input<typeof deliveredSourceSchema>

/** A load whose operations carry ids, for the check examples to read the history of. */
const ordersLoad: StepInputType = {
  name: 'orders',
  load: {
    url: 'http://127.0.0.1:{{services.app.ports.http}}/orders',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"id":"{{uuid}}"}',
    id: '{{uuid}}',
    rate: 20,
    duration: '30s',
  },
}
const appService = {
  name: 'app',
  command: 'node',
  args: ['server.js'],
  ports: { http: 0 },
  env: { PORT: '{{ports.http}}' },
}

/** A fault the metric check examples count from. */
const slowApp: StepInputType = {
  name: 'slow-app',
  fault: { type: 'process-pause', target: { service: 'app' }, duration: '20s' },
}
const queueDepth: MetricInput = {
  name: 'queue-depth',
  rabbitmq: { url: 'http://127.0.0.1:15672', queue: 'orders' },
}
const dumpRate: MetricInput = {
  name: 'dump-rate',
  prometheus: {
    url: 'http://127.0.0.1:9090',
    query: 'sum(rate(rabbitmq_global_messages_acknowledged_total[15s]))',
  },
}

/**
 * One documented example per check type, for docs/catalogue.md; keyed by every type, so a
 * check added to `checkSchemas` without an example does not compile.
 */
export const checkExamples: {
  [T in CheckInput['type']]: Example<Extract<CheckInput, { type: T }>>
} = {
  queue: {
    system: { services: [appService] },
    steps: [ordersLoad],
    value: {
      name: 'no-lost-orders',
      type: 'queue',
      load: 'orders',
      source: {
        sql: {
          driver: 'sqlite',
          database: 'deliveries.db',
          query: 'SELECT order_id FROM deliveries',
        },
      },
      duplicates: 'fail',
      drain: { timeout: '20s' },
    },
  },
  set: {
    system: { services: [appService] },
    steps: [ordersLoad],
    value: {
      name: 'orders-readable',
      type: 'set',
      load: 'orders',
      source: {
        http: { url: 'http://127.0.0.1:{{services.app.ports.http}}/orders', jsonPath: '$[*].id' },
      },
      readInterval: '2s',
    },
  },
  backlog: {
    system: { services: [appService] },
    metrics: [queueDepth],
    steps: [slowApp],
    value: {
      name: 'backlog-drains',
      type: 'backlog',
      metric: 'queue-depth',
      below: 100,
      within: '30s',
      fault: 'slow-app',
    },
  },
  recovery: {
    system: { services: [appService] },
    metrics: [dumpRate],
    steps: [slowApp],
    value: {
      name: 'dump-rate-recovers',
      type: 'recovery',
      metric: 'dump-rate',
      atLeast: '90%',
      within: '30s',
      baseline: '10s',
    },
  },
}
