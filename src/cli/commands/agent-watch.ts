/**
 * `ordeal agent --watch-workloads [--watch-namespace NS]...`: checked here, before the agent
 * connects. The watch needs the agent's own cluster (--kubeconfig, $KUBECONFIG,
 * ~/.kube/config, in-cluster); a namespace of the deny list is watched only when
 * --allow-namespace lifts it, and the agent's own pod's namespace never.
 * @module
 */
import { DNS_LABEL_PATTERN } from '../../experiment/kubernetes-schema.js'
import type { ClusterGrant } from '../../engine/kubernetes-system.js'
import { deniedWatchNamespaces } from '../../platforms/agent/workload-watch/scope.js'
import type { KubeConnectionRef } from '../../safety/kube-connection.js'

export interface AgentWatchFlags {
  watchWorkloads?: boolean | undefined
  watchNamespace?: string[] | undefined
}

export interface AgentWatchPlan {
  connection: KubeConnectionRef
  /** Empty: the whole cluster. */
  namespaces: string[]
  allowNamespaces: string[]
}

/** The plan, undefined without --watch-workloads, or the one-line usage error (exit 2). */
export function agentWatch(
  flags: AgentWatchFlags,
  cluster: ClusterGrant,
  ownNamespace?: string
): AgentWatchPlan | undefined | string {
  const namespaces = [
    ...new Set(
      (flags.watchNamespace ?? []).flatMap((list) => list.split(',').filter((n) => n !== ''))
    ),
  ]
  if (flags.watchWorkloads !== true) {
    return namespaces.length > 0 ? '--watch-namespace needs --watch-workloads' : undefined
  }
  if (cluster.connection === undefined) {
    return '--watch-workloads needs a Kubernetes cluster: --kubeconfig, $KUBECONFIG, ~/.kube/config, or a pod with a service account'
  }
  const bad = namespaces.find((name) => !new RegExp(DNS_LABEL_PATTERN).test(name))
  if (bad !== undefined) {
    return `--watch-namespace '${bad}' must be a namespace name`
  }
  const allowNamespaces = cluster.allowNamespaces ?? []
  const denied = deniedWatchNamespaces(allowNamespaces, ownNamespace)
  const refused = namespaces.find((name) => denied.includes(name))
  if (refused !== undefined) {
    return refused === ownNamespace
      ? `--watch-namespace ${refused} is the agent's own namespace: never watched`
      : `--watch-namespace ${refused} is in the deny list (${denied.join(', ')}); add --allow-namespace ${refused} to watch it`
  }
  return { connection: cluster.connection, namespaces, allowNamespaces }
}
