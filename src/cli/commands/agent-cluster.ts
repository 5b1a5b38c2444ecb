/**
 * The cluster `ordeal agent` (and `ordeal server`) lends its runs' `spec.system.kubernetes`: resolved here, in the
 * agent's own process and environment (`--kubeconfig`, $KUBECONFIG, ~/.kube/config, in-cluster),
 * because a run process gets a scrubbed environment and its manifest may not choose. The
 * result travels to each run (and its watchdog, and the ledger) as plain data.
 * @module
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { DNS_LABEL_PATTERN } from '../../experiment/kubernetes-schema.js'
import type { ClusterGrant } from '../../engine/kubernetes-system.js'
import { KubeConnectionError, resolveConnection } from '../../safety/kube-connection.js'

export interface AgentClusterFlags {
  kubeconfig?: string | undefined
  context?: string | undefined
  allowNamespace?: string[] | undefined
}

/** The grant, or the one-line reason the flags are not usable (exit 2). */
export function agentCluster(
  flags: AgentClusterFlags,
  env: NodeJS.ProcessEnv,
  exists: (file: string) => boolean = existsSync
): ClusterGrant | string {
  const allowNamespaces = (flags.allowNamespace ?? []).flatMap((list) =>
    list.split(',').filter((name) => name !== '')
  )
  const bad = allowNamespaces.find((name) => !new RegExp(DNS_LABEL_PATTERN).test(name))
  if (bad !== undefined) {
    return `--allow-namespace '${bad}' must be a namespace name`
  }
  const allow = allowNamespaces.length > 0 ? { allowNamespaces } : {}
  if (flags.kubeconfig !== undefined && !exists(path.resolve(flags.kubeconfig))) {
    return `--kubeconfig ${flags.kubeconfig} does not exist`
  }
  try {
    const connection = resolveConnection({
      flagKubeconfig: flags.kubeconfig,
      context: flags.context,
      env,
      exists,
    })
    return { owner: 'agent', connection, ...allow }
  } catch (error) {
    if (!(error instanceof KubeConnectionError)) {
      throw error
    }
    if (flags.context !== undefined) {
      return `--context ${flags.context}: ${error.message}`
    }
    // No cluster at all: the agent still runs other experiments; Kubernetes ones are refused.
    return { owner: 'agent', ...allow }
  }
}

/**
 * `ordeal server --kubeconfig/--context`: the cluster the Chaos Center lends its runs. Only
 * what the operator named: never $KUBECONFIG or the server user's ~/.kube/config, which would
 * hand every editor the server's credentials. Without --kubeconfig: no cluster (its runs with
 * spec.system.kubernetes are refused).
 */
export function serverCluster(
  flags: Pick<AgentClusterFlags, 'kubeconfig' | 'context'>,
  exists: (file: string) => boolean = existsSync
): ClusterGrant | string {
  if (flags.kubeconfig === undefined) {
    return flags.context === undefined
      ? { owner: 'Chaos Center' }
      : '--context needs --kubeconfig (the Chaos Center uses only the cluster it is given)'
  }
  const kubeconfig = path.resolve(flags.kubeconfig)
  if (!exists(kubeconfig)) {
    return `--kubeconfig ${flags.kubeconfig} does not exist`
  }
  return {
    owner: 'Chaos Center',
    connection: { kubeconfig, ...(flags.context !== undefined ? { context: flags.context } : {}) },
  }
}
