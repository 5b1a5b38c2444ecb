import { z } from 'zod'
import { faultTiming, strictObject } from '../../experiment/schema-parts.js'
import { namespaceName, workloadRef } from '../../experiment/kubernetes-schema.js'
import type { Example } from '../../experiment/example.js'
import { SHOP_CLUSTER } from '../example-systems.js'

const WORKLOAD_SCALE =
  'workload-scale: sets the replicas of a Deployment or StatefulSet (through its scale subresource); undo restores the count it had.'

export const workloadScaleSchema = strictObject({
  type: z.literal('workload-scale').describe(WORKLOAD_SCALE),
  workload: workloadRef(['deployment', 'statefulset']).meta({
    description: 'The workload to scale.',
    examples: ['deployment/orders'],
  }),
  namespace: namespaceName()
    .optional()
    .describe('Its namespace (default: spec.system.kubernetes.namespace).'),
  replicas: z
    .number({ error: 'must be a whole number of at least 0' })
    .int({ error: 'must be a whole number of at least 0' })
    .min(0, { error: 'must be a whole number of at least 0' })
    .meta({ description: 'The replica count to hold for `duration`.', examples: [0, 1] }),
  ...faultTiming,
}).describe(WORKLOAD_SCALE)
export type WorkloadScaleParams = z.output<typeof workloadScaleSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const workloadScaleExample: Example<z.input<typeof workloadScaleSchema>> = {
  system: SHOP_CLUSTER,
  value: { type: 'workload-scale', workload: 'deployment/orders', replicas: 1, duration: '30s' },
}
