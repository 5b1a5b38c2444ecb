import { z } from 'zod'
import { faultTiming, strictObject } from '../../experiment/schema-parts.js'
import { nodeSelector } from '../../experiment/kubernetes-schema.js'
import type { Example } from '../../experiment/example.js'
import { SHOP_CLUSTER } from '../example-systems.js'

const NODE_CORDON =
  'node-cordon: marks the selected nodes unschedulable (kubectl cordon); undo uncordons the nodes ordeal cordoned.'

export const nodeCordonSchema = strictObject({
  type: z.literal('node-cordon').describe(NODE_CORDON),
  nodes: nodeSelector(),
  ...faultTiming,
}).describe(NODE_CORDON)
export type NodeCordonParams = z.output<typeof nodeCordonSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const nodeCordonExample: Example<z.input<typeof nodeCordonSchema>> = {
  system: SHOP_CLUSTER,
  value: { type: 'node-cordon', nodes: { labels: { pool: 'batch' } }, duration: '2m' },
}
