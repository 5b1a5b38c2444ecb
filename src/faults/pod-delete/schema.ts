import { z } from 'zod'
import { duration, faultTiming, strictObject, timing } from '../../experiment/schema-parts.js'
import { podSelector } from '../../experiment/kubernetes-schema.js'
import type { Example } from '../../experiment/example.js'
import { SHOP_CLUSTER } from '../example-systems.js'

const POD_DELETE =
  'pod-delete: deletes the selected pods through the Kubernetes API (Litmus pod-delete); with `interval`, again and again. The owning workload re-creates them; ordeal reports how long it took to be fully available again.'

export const podDeleteSchema = strictObject({
  type: z.literal('pod-delete').describe(POD_DELETE),
  pods: podSelector(),
  gracePeriod: duration()
    .optional()
    .describe("The deletion's grace period (default: the pod's terminationGracePeriodSeconds)."),
  force: z
    .boolean({ error: 'must be true or false' })
    .optional()
    .meta({ description: 'Delete at once (grace period 0), like Litmus FORCE.', default: false }),
  interval: timing({ positive: true })
    .optional()
    .meta({
      description:
        "Repeat: select and delete again every `interval` until `duration` ends (Litmus CHAOS_INTERVAL). Default: once. A range `10s..30s` or a jitter `20s±5s` draws each wait anew from the run's seed.",
      examples: ['10s', '10s..30s'],
    }),
  ...faultTiming,
}).describe(POD_DELETE)
export type PodDeleteParams = z.output<typeof podDeleteSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const podDeleteExample: Example<z.input<typeof podDeleteSchema>> = {
  system: SHOP_CLUSTER,
  value: {
    type: 'pod-delete',
    pods: { workload: 'deployment/orders', mode: 'fixed', value: 1 },
    interval: '20s',
    duration: '1m',
  },
}
