import { z } from 'zod'
import { comparator } from '../../experiment/schema-parts.js'
import { probeSchema } from '../common-schema.js'

/** An instant PromQL query; the first sample's value is compared as a float. */
export const prometheusProbeSchema = probeSchema('prometheus', {
  endpoint: z.string({ error: 'must be the Prometheus base URL' }).min(1),
  query: z.string({ error: 'must be a PromQL query' }).min(1),
  comparator: comparator(),
})
export type PrometheusProbeParams = z.output<typeof prometheusProbeSchema>
