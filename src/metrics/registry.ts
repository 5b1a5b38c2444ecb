/**
 * Built-in metric sources keyed by the field a `spec.metrics` entry names its source with.
 * Add one: a folder with its `index.ts`, a field in schema.ts, an entry here.
 * @module
 */
import type { MetricReadContext, MetricSpec } from './contract.js'
import { rabbitmqSource } from './rabbitmq/index.js'
import { prometheusSource } from './prometheus/index.js'

/** Reads `metric` once from its source. */
export function readMetric(metric: MetricSpec, ctx: MetricReadContext): Promise<number> {
  const source = metric.source
  return 'rabbitmq' in source
    ? rabbitmqSource.read(source.rabbitmq, ctx)
    : prometheusSource.read(source.prometheus, ctx)
}

/** One line for dry runs: `queue-depth every 1 s: rabbitmq queue orders on vhost /: messages`. */
export function describeMetric(metric: MetricSpec): string {
  const source = metric.source
  return 'rabbitmq' in source
    ? rabbitmqSource.describe(source.rabbitmq)
    : prometheusSource.describe(source.prometheus)
}
