/**
 * `ordeal run`'s cluster preflight: before anything is injected, every k8s probe's
 * group/version/resource is looked up through discovery and every workload a `workload:` field
 * names is read. A typo (`deploymens`, `deployment/ordrs`) is then a manifest error (exit 2,
 * `file:line: path: message`) instead of a probe failing after the faults ran. Only what the
 * cluster says does not exist is refused; a refusal (403) or an unreachable API is left to the
 * run, which reports it in its own words.
 * @module
 */
import type { KubeConfig } from '@kubernetes/client-node'
import { WORKLOAD_KINDS, type WorkloadKind } from '../experiment/kubernetes-schema.js'
import { resourceScope, type ResourceRef } from '../probes/k8s/discovery.js'
import { workloadApiPath } from '../platforms/kubernetes/workload.js'
import { kubeRequest } from '../safety/kube-request.js'

/** Something of the manifest the cluster must know, and where it is written. */
export type ClusterReference =
  | { kind: 'resource'; path: (string | number)[]; ref: ResourceRef }
  | {
      kind: 'workload'
      path: (string | number)[]
      workload: { kind: WorkloadKind; name: string; namespace: string }
    }

export interface ReferenceIssue {
  path: (string | number)[]
  message: string
}

const kWorkload = new RegExp(`^(${WORKLOAD_KINDS.join('|')})/(.+)$`)

/**
 * Every k8s probe resource and `workload:` field of the parsed manifest, wherever it sits
 * (steps, nested groups, top-level probes). Pure.
 */
export function clusterReferences(data: unknown, defaultNamespace: string): ClusterReference[] {
  const out: ClusterReference[] = []
  const walk = (node: unknown, path: (string | number)[]) => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, [...path, i]))
      return
    }
    if (node === null || typeof node !== 'object') {
      return
    }
    const o = node as Record<string, unknown>
    const resource = o['resource'] as Record<string, unknown> | undefined
    if (
      o['type'] === 'k8s' &&
      resource !== null &&
      typeof resource === 'object' &&
      typeof resource['version'] === 'string' &&
      typeof resource['resource'] === 'string'
    ) {
      out.push({
        kind: 'resource',
        path: [...path, 'resource'],
        ref: {
          group: typeof resource['group'] === 'string' ? resource['group'] : undefined,
          version: resource['version'],
          resource: resource['resource'],
        },
      })
    }
    const match = typeof o['workload'] === 'string' ? kWorkload.exec(o['workload']) : null
    if (match) {
      out.push({
        kind: 'workload',
        path: [...path, 'workload'],
        workload: {
          kind: match[1] as WorkloadKind,
          name: match[2]!,
          namespace: typeof o['namespace'] === 'string' ? o['namespace'] : defaultNamespace,
        },
      })
    }
    for (const [key, value] of Object.entries(o)) {
      walk(value, [...path, key])
    }
  }
  walk(data, [])
  return out
}

/** The references the cluster does not know, each with the field to point at. */
export async function unknownReferences(
  config: KubeConfig,
  references: ClusterReference[],
  timeoutMs = 15_000
): Promise<ReferenceIssue[]> {
  const issues: ReferenceIssue[] = []
  for (const reference of references) {
    const signal = AbortSignal.timeout(timeoutMs)
    if (reference.kind === 'resource') {
      const scope = await resourceScope(config, reference.ref, signal)
      if ('unknown' in scope && scope.unknown !== undefined) {
        issues.push({
          path: [...reference.path, scope.unknown === 'version' ? 'version' : 'resource'],
          message: scope.error,
        })
      }
    } else {
      const { kind, name, namespace } = reference.workload
      const answer = await kubeRequest(config, {
        method: 'GET',
        path: workloadApiPath(reference.workload),
        signal,
      })
      if (answer.status === 404) {
        issues.push({
          path: reference.path,
          message: `${kind}/${name} not found in namespace ${namespace}`,
        })
      }
    }
  }
  return issues
}
