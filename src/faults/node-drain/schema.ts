import { z } from 'zod'
import { duration, faultTiming, strictObject } from '../../experiment/schema-parts.js'
import { nodeSelector } from '../../experiment/kubernetes-schema.js'
import type { Example } from '../../experiment/example.js'
import { SHOP_CLUSTER } from '../example-systems.js'

const NODE_DRAIN =
  "node-drain: cordons the selected nodes and evicts their pods through the Eviction API, which honours PodDisruptionBudgets (kubectl drain); evictions a budget refuses are reported, not forced. Undo uncordons; the evicted pods' workloads re-create them elsewhere."

export const nodeDrainSchema = strictObject({
  type: z.literal('node-drain').describe(NODE_DRAIN),
  nodes: nodeSelector(),
  gracePeriod: duration()
    .optional()
    .describe("Each eviction's grace period (default: the pod's own)."),
  evictionTimeout: duration().optional().meta({
    description:
      'How long to keep retrying evictions a PodDisruptionBudget refuses (429), while the fault holds and never past its end, before reporting them refused.',
    default: '30s',
  }),
  ...faultTiming,
}).describe(NODE_DRAIN)
export type NodeDrainParams = z.output<typeof nodeDrainSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const nodeDrainExample: Example<z.input<typeof nodeDrainSchema>> = {
  system: SHOP_CLUSTER,
  value: { type: 'node-drain', nodes: { name: 'node-2' }, duration: '2m' },
}
