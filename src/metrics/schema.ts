/**
 * `spec.metrics`: series sampled every `interval` from system ready to the end of the steps
 * (a queue's depth, a consumer's rate, any Prometheus query), journaled as `metric.sample`, for
 * the `backlog` and `recovery` checks and the reports. Exactly one source per metric.
 * @module
 */
import { z } from 'zod'
import { duration, strictObject } from '../experiment/schema-parts.js'

/** What a RabbitMQ queue reading means, by the management API's field it comes from. */
export const RABBITMQ_VALUES = [
  'messages',
  'messages_ready',
  'messages_unacknowledged',
  'publish_rate',
  'deliver_rate',
  'ack_rate',
] as const
export type RabbitmqValue = (typeof RABBITMQ_VALUES)[number]

export const DEFAULT_METRIC_INTERVAL = '1s'

const url = (description: string, example: string) =>
  z
    .string({ error: 'must be a URL' })
    .min(1, { error: 'must be a URL' })
    .meta({ description, examples: [example] })

export const rabbitmqSourceSchema = strictObject({
  url: url(
    'The management plugin base URL (templates allowed).',
    'http://127.0.0.1:{{services.rabbitmq.replicas[0].ports.management}}'
  ),
  queue: z
    .string({ error: 'must be a queue name' })
    .min(1, { error: 'must be a queue name' })
    .meta({ description: 'The queue read.', examples: ['orders'] }),
  vhost: z
    .string({ error: 'must be a virtual host' })
    .optional()
    .meta({ description: 'The queue’s virtual host.', default: '/' }),
  value: z
    .enum(RABBITMQ_VALUES, { error: `must be one of ${RABBITMQ_VALUES.join(', ')}` })
    .optional()
    .meta({
      description:
        'What is read: messages (ready + unacknowledged, the backlog), messages_ready, messages_unacknowledged, or a rate in messages/s from message_stats: publish_rate, deliver_rate (deliver + get), ack_rate.',
      default: 'messages',
    }),
  user: z
    .string({ error: 'must be a user name' })
    .optional()
    .meta({ description: 'Management API user.', default: 'guest' }),
  password: z
    .string({ error: 'must be a password' })
    .optional()
    .meta({ description: 'Management API password.', default: 'guest' }),
}).describe('A queue read through RabbitMQ’s management HTTP API (/api/queues/{vhost}/{queue}).')

export const prometheusSourceSchema = strictObject({
  url: url('The Prometheus base URL (templates allowed).', 'http://127.0.0.1:9090'),
  query: z
    .string({ error: 'must be a PromQL query' })
    .min(1, { error: 'must be a PromQL query' })
    .meta({
      description:
        'An instant PromQL query answering one value: a scalar or a one-series vector (several series are an error naming the count; aggregate with sum()).',
      examples: ['sum(rate(rabbitmq_global_messages_acknowledged_total[15s]))'],
    }),
}).describe('An instant query of a Prometheus server (/api/v1/query).')

export const metricSchema = strictObject({
  name: z
    .string({ error: 'must be a metric name' })
    .regex(/^[A-Za-z0-9][\w.-]*$/, {
      error: 'must be a name of letters, digits, dot, dash or underscore',
    })
    .meta({
      description: 'Unique metric name; checks name it in `metric:`.',
      examples: ['queue-depth'],
    }),
  interval: duration()
    .optional()
    .meta({ description: 'Time between readings.', default: DEFAULT_METRIC_INTERVAL }),
  rabbitmq: rabbitmqSourceSchema.optional(),
  prometheus: prometheusSourceSchema.optional(),
})
  .describe(
    'A series sampled every `interval` from system ready to the end of the steps, from exactly one source: rabbitmq or prometheus.'
  )
  .superRefine((m, ctx) => {
    if ([m.rabbitmq, m.prometheus].filter((s) => s !== undefined).length !== 1) {
      ctx.addIssue({ code: 'custom', message: "needs exactly one of 'rabbitmq' or 'prometheus'" })
    }
  })

export type MetricInput = z.input<typeof metricSchema>
export type RabbitmqSourceInput = z.input<typeof rabbitmqSourceSchema>
export type PrometheusSourceInput = z.input<typeof prometheusSourceSchema>
