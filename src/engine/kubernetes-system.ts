/**
 * A run's Kubernetes system: connects when `spec.system.kubernetes` is set, with the trust
 * rule of the server and agents: a manifest they received may pick neither the credentials (a
 * kubeconfig file on their host, a context of the agent's kubeconfig) nor the blast radius
 * (`allowNamespaces` may only repeat what `ordeal agent --allow-namespace` lifts). The agent or server process resolved its cluster itself and passes it
 * down ({@link ClusterGrant}); its run process, whose environment is scrubbed, never resolves
 * one. When ordeal runs in a pod, that pod's namespace joins every run's deny list.
 * client-node is loaded only here, only when needed.
 * @module
 */
import type { Experiment } from '../experiment/model.js'
import type { KubernetesRun } from '../platforms/kubernetes/contract.js'
import { ownNamespace } from '../platforms/kubernetes/own-namespace.js'
import type { KubeConnectionRef } from '../safety/kube-connection.js'

/** The cluster an agent or the Chaos Center lends its runs (run-process/messages.ts). */
export interface ClusterGrant {
  /** Who lends it, for the refusal lines. */
  owner: 'agent' | 'Chaos Center'
  /** Resolved by the lending process; absent: it has no cluster, and refuses Kubernetes runs. */
  connection?: KubeConnectionRef
  /** `ordeal agent --allow-namespace`: namespaces of the default deny list its runs may touch. */
  allowNamespaces?: string[]
}

export interface ClusterOptions {
  kubeconfig?: string | undefined
  kubeContext?: string | undefined
  /** A manifest from a Chaos Center editor: the cluster is `grant`'s alone. */
  untrustedManifest?: boolean | undefined
  grant?: ClusterGrant | undefined
  /** A line for the journal (`run.warning`). */
  warn?: ((line: string) => void) | undefined
  /** Injectable for tests: the service-account namespace file. */
  ownNamespaceFile?: string | undefined
}

const kUntrusted = 'is not allowed in a run of a Chaos Center or an agent'

/** The run's cluster, or undefined without `spec.system.kubernetes`. Throws one line. */
export async function connectRunCluster(
  experiment: Experiment,
  options: ClusterOptions,
  env: NodeJS.ProcessEnv = process.env
): Promise<KubernetesRun | undefined> {
  const spec = experiment.system.kubernetes
  if (spec === undefined) {
    return undefined
  }
  let deniedNamespaces = spec.deniedNamespaces
  let allowHint: string | undefined
  let connection: KubeConnectionRef | undefined
  if (options.untrustedManifest === true) {
    if (spec.kubeconfig !== undefined) {
      throw new Error(
        `spec.system.kubernetes.kubeconfig ${kUntrusted}: set the cluster on the agent: ordeal agent --kubeconfig`
      )
    }
    if (spec.context !== undefined) {
      throw new Error(
        `spec.system.kubernetes.context ${kUntrusted}: the agent's --context chooses it`
      )
    }
    const grant = options.grant ?? { owner: 'agent' }
    // The manifest may only repeat what the agent lifts (the validation's deny-list check
    // needs it said); it cannot lift a namespace itself.
    const lifted = new Set(grant.allowNamespaces ?? [])
    const unlifted = spec.allowNamespaces?.find((n) => !lifted.has(n))
    if (unlifted !== undefined) {
      throw new Error(
        `spec.system.kubernetes.allowNamespaces ${kUntrusted} (${unlifted}): the agent's --allow-namespace lifts the deny list`
      )
    }
    if (grant.connection === undefined) {
      throw new Error(
        grant.owner === 'Chaos Center'
          ? 'this Chaos Center has no Kubernetes cluster: start it with --kubeconfig'
          : 'this agent has no Kubernetes cluster: start it with --kubeconfig (or $KUBECONFIG, ~/.kube/config, in a pod)'
      )
    }
    connection = grant.connection
    deniedNamespaces = deniedNamespaces.filter((n) => !lifted.has(n))
    allowHint =
      grant.owner === 'Chaos Center'
        ? 'a Chaos Center run never touches it'
        : 'start the agent with --allow-namespace to allow it'
  }
  const own = ownNamespace(options.ownNamespaceFile)
  if (own !== undefined && !deniedNamespaces.includes(own)) {
    deniedNamespaces = [...deniedNamespaces, own]
    options.warn?.(
      `ordeal runs in a pod in namespace "${own}": it joins the deny list, no fault touches it`
    )
  }
  const { connectKubernetes } = await import('../platforms/kubernetes/connect.js')
  return connectKubernetes(
    { ...spec, deniedNamespaces },
    {
      flagKubeconfig: options.kubeconfig,
      flagContext: options.kubeContext,
      connection,
      ownNamespace: own,
      allowHint,
      env,
    }
  )
}
