/**
 * node-cordon: marks the selected nodes unschedulable (kubectl cordon); new pods go elsewhere,
 * running ones stay. Undo uncordons the nodes ordeal cordoned (see kubernetes/cordon.ts).
 * @module
 */
import { defineFault } from '../contract.js'
import { RecordedUndos } from '../recorded-undos.js'
import { cordonNodes } from '../kubernetes/cordon.js'
import { describeNodes } from '../kubernetes/describe.js'
import { needKubernetes } from '../kubernetes/need.js'

export const nodeCordonFault = defineFault({
  type: 'node-cordon',
  describe(params) {
    return [`cordon ${describeNodes(params.nodes)} for ${params.duration}`]
  },
  async inject(ctx) {
    const kube = needKubernetes(ctx)
    const undos = new RecordedUndos(ctx.ledger, ctx.fault.id, ctx.deadline)
    const nodes = await cordonNodes(ctx, kube, ctx.params.nodes, undos)
    return {
      targets: nodes.map((n) => `node ${n.name}${n.unschedulable ? ' (already cordoned)' : ''}`),
      revert: () => undos.revert(),
    }
  },
})
