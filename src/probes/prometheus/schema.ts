import { z } from 'zod'
import { comparator } from '../../experiment/schema-parts.js'
import { probeSchema } from '../common-schema.js'
import type { Example } from '../../experiment/example.js'

export const prometheusProbeSchema = probeSchema(
  'prometheus',
  {
    endpoint: z
      .string({ error: 'must be the Prometheus base URL' })
      .min(1)
      .meta({ description: 'The Prometheus base URL.', examples: ['http://127.0.0.1:9090'] }),
    query: z
      .string({ error: 'must be a PromQL query' })
      .min(1)
      .meta({
        description: 'An instant PromQL query.',
        examples: ['sum(rate(http_requests_total{code=~"5.."}[1m]))'],
      }),
    comparator: comparator().describe("Compared against the first sample's value, as a float."),
  },
  "an instant PromQL query; the first sample's value is compared as a float."
)
export type PrometheusProbeParams = z.output<typeof prometheusProbeSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const prometheusProbeExample: Example<z.input<typeof prometheusProbeSchema>> = {
  value: {
    name: 'error-ratio',
    type: 'prometheus',
    mode: 'OnChaos',
    endpoint: 'http://127.0.0.1:9090',
    query: 'sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m]))',
    comparator: { type: 'float', criteria: '<', value: 0.01 },
  },
}
