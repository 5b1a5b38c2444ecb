/**
 * Cordoning, shared by node-cordon and node-drain: mark each selected node unschedulable, its
 * uncordon recorded first. A node already unschedulable is someone else's cordon: left alone,
 * and no undo, so ordeal never uncordons a node it did not cordon.
 *
 * The cordon also marks the node `ordeal.dev/cordoned-by: <runId>`, and the uncordon is a JSON
 * patch that first tests that mark: a node uncordoned and cordoned again during the fault (an
 * admin's maintenance, another run's fault) no longer carries it, the test fails with a 422 and
 * the undo leaves the node alone (the kube-undo executor takes that 422 as done).
 * @module
 */
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node'
import type { NodeSelectorInput } from '../../experiment/kubernetes-schema.js'
import type { KubernetesRun, NodeTarget } from '../../platforms/kubernetes/contract.js'
import type { FaultContext } from '../contract.js'
import type { RecordedUndos } from '../recorded-undos.js'
import { apiFailure } from './api-error.js'
import { refusedCode } from './refused.js'
import { nodePath } from './paths.js'

export const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch)

/** The annotation that says which run cordoned a node. */
export const CORDONED_BY = 'ordeal.dev/cordoned-by'

/** The uncordon of a node `runId` cordoned: only while it still carries that run's mark. */
export function uncordonPatch(runId: string): object[] {
  const mark = `/metadata/annotations/${CORDONED_BY.replace('/', '~1')}`
  return [
    { op: 'test', path: mark, value: runId },
    { op: 'remove', path: '/spec/unschedulable' },
    { op: 'remove', path: mark },
  ]
}

/** The nodes a cordon or drain acts on, API errors as one line. */
export function selectNodes(
  ctx: Pick<FaultContext, 'action' | 'fault'>,
  kube: KubernetesRun,
  selector: NodeSelectorInput
): Promise<NodeTarget[]> {
  return kube
    .selectNodes(selector, ctx.action)
    .catch((error: unknown) => Promise.reject(apiFailure(ctx.fault.type, error)))
}

/** Cordons the selected nodes; returns every node selected (cordoned now or before). */
export async function cordonNodes(
  ctx: Pick<FaultContext, 'action' | 'fault' | 'runId'>,
  kube: KubernetesRun,
  selector: NodeSelectorInput,
  undos: RecordedUndos
): Promise<NodeTarget[]> {
  const nodes = await selectNodes(ctx, kube, selector)
  await cordon(ctx, kube, nodes, undos)
  return nodes
}

/** Cordons `nodes` (those not already unschedulable), each undo recorded first. */
export async function cordon(
  ctx: Pick<FaultContext, 'action' | 'fault' | 'runId'>,
  kube: KubernetesRun,
  nodes: NodeTarget[],
  undos: RecordedUndos
): Promise<void> {
  const type = ctx.fault.type
  const core = kube.config.makeApiClient(CoreV1Api)
  for (const node of nodes) {
    if (node.unschedulable) {
      ctx.action(`node ${node.name} already cordoned: left as it is (and not uncordoned after)`)
      continue
    }
    const entry = undos.record({
      kind: 'kubernetes',
      connection: kube.connection,
      label: `uncordon node ${node.name} (if still cordoned by this run)`,
      request: {
        op: 'patch',
        path: nodePath(node.name),
        patchType: 'json',
        body: uncordonPatch(ctx.runId),
      },
    })
    try {
      await core.patchNode(
        {
          name: node.name,
          body: {
            metadata: { annotations: { [CORDONED_BY]: ctx.runId } },
            spec: { unschedulable: true },
          },
        },
        MERGE_PATCH
      )
    } catch (error) {
      const code = refusedCode(error)
      if (code !== undefined) {
        undos.discard(entry, `cordon refused (${code}): nothing to undo`)
      }
      throw apiFailure(type, error)
    }
    ctx.action(`cordoned node ${node.name}`)
  }
}
