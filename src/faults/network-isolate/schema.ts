import { z } from 'zod'
import { faultTiming, strictObject } from '../../experiment/schema-parts.js'
import { podSelector } from '../../experiment/kubernetes-schema.js'
import type { Example } from '../../experiment/example.js'
import { SHOP_CLUSTER } from '../example-systems.js'

const NETWORK_ISOLATE =
  "network-isolate: labels the selected pods and creates a deny-all NetworkPolicy for them (Litmus network partition); undo deletes the policy and the labels. Enforcement is the cluster CNI's: on a CNI without NetworkPolicy support nothing is cut."

export const networkIsolateSchema = strictObject({
  type: z.literal('network-isolate').describe(NETWORK_ISOLATE),
  pods: podSelector(),
  direction: z
    .enum(['ingress', 'egress', 'both'], { error: 'must be one of ingress, egress, both' })
    .optional()
    .meta({ description: 'Which traffic the policy denies.', default: 'both' }),
  ...faultTiming,
}).describe(NETWORK_ISOLATE)
export type NetworkIsolateParams = z.output<typeof networkIsolateSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const networkIsolateExample: Example<z.input<typeof networkIsolateSchema>> = {
  system: SHOP_CLUSTER,
  value: {
    type: 'network-isolate',
    pods: { labels: { app: 'payments' }, mode: 'all' },
    direction: 'ingress',
    duration: '30s',
  },
}
