/** `spec.metrics[]` → MetricSpec: the default interval applied, the one source picked. */
import { parseDuration } from '../shared/duration.js'
import type { MetricSpec } from './contract.js'
import { DEFAULT_METRIC_INTERVAL, type MetricInput } from './schema.js'

export function resolveMetric(input: MetricInput): MetricSpec {
  const intervalMs =
    parseDuration(input.interval ?? DEFAULT_METRIC_INTERVAL) ??
    parseDuration(DEFAULT_METRIC_INTERVAL)!
  return {
    id: `metric/${input.name}`,
    name: input.name,
    intervalMs,
    source: input.rabbitmq ? { rabbitmq: input.rabbitmq } : { prometheus: input.prometheus! },
  }
}
