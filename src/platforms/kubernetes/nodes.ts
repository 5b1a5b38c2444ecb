/**
 * Candidate nodes for a node selector (by name, labels, a selector expression), for
 * node-cordon and node-drain. Nodes are cluster-wide: no namespace, no deny list; the
 * selection caps bound how many a fault may touch.
 * @module
 */
import type { KubeConfig } from '@kubernetes/client-node'
import type { NodeSelectorInput } from '../../experiment/kubernetes-schema.js'
import { FaultInjectionError } from '../../faults/contract.js'
import type { NodeTarget } from './contract.js'
import { combineLabelSelector, labelSelectorError } from './label-selector.js'
import { call } from './pods.js'

export async function candidateNodes(
  kc: KubeConfig,
  selector: NodeSelectorInput
): Promise<NodeTarget[]> {
  if (selector.selector !== undefined) {
    const error = labelSelectorError(selector.selector)
    if (error !== undefined) {
      throw new FaultInjectionError(`nodes.selector ${error}`)
    }
  }
  const { CoreV1Api } = await import('@kubernetes/client-node')
  const api = kc.makeApiClient(CoreV1Api)
  const labelSelector = combineLabelSelector(selector.labels, selector.selector)
  const list = await call('list nodes', () =>
    api.listNode({
      ...(labelSelector ? { labelSelector } : {}),
      ...(selector.name ? { fieldSelector: `metadata.name=${selector.name}` } : {}),
    })
  )
  return list.items.map((node) => ({
    name: node.metadata?.name ?? '',
    uid: node.metadata?.uid ?? '',
    unschedulable: node.spec?.unschedulable === true,
  }))
}

/** `named kwok-node-1`, `labelled type=kwok`: the subject of a pick report. */
export function describeNodeSelector(selector: NodeSelectorInput): string {
  const labels = combineLabelSelector(selector.labels, selector.selector)
  const parts = [
    ...(selector.name ? [`named ${selector.name}`] : []),
    ...(labels ? [`matching ${labels}`] : []),
  ]
  return parts.join(' and ')
}
