/**
 * The metric source driver contract: one reading of one series. Pacing, journaling and
 * failures-as-gaps belong to the sampler (sampler.ts); a source only reads once.
 * @module
 */
import type { PrometheusSourceInput, RabbitmqSourceInput } from './schema.js'
import type { TemplateVars } from '../shared/template.js'

/** A `spec.metrics` entry, resolved. */
export interface MetricSpec {
  /** `metric/<name>`, as `metric.sample` events carry it. */
  id: string
  name: string
  intervalMs: number
  /** Exactly one source, as the schema enforces. */
  source: { rabbitmq: RabbitmqSourceInput } | { prometheus: PrometheusSourceInput }
}

export interface MetricReadContext {
  /** Aborted on the reading's timeout or when sampling stops: give up promptly. */
  signal: AbortSignal
  /** `{{services.rabbitmq.replicas[0].ports.management}}` and the like, rendered by the source. */
  vars: TemplateVars
}

export interface MetricSource<P> {
  kind: string
  /** One line for dry runs and docs: `rabbitmq orders on / (messages)`. */
  describe(params: P): string
  /** Reads once; throws an Error whose message is one line saying why (it becomes a gap). */
  read(params: P, ctx: MetricReadContext): Promise<number>
}
