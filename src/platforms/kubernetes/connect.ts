/**
 * Connects a run to its cluster (`spec.system.kubernetes`): resolves which kubeconfig and
 * context (kube-connection.ts), checks that the API answers and that the system namespace
 * exists and is not denied, and hands back the {@link KubernetesRun} faults and probes use.
 * Every failure is one line: the run reports it as `system.failed` (exit 3).
 * @module
 */
import type { KubeConfig } from '@kubernetes/client-node'
import type { KubernetesSystemSpec } from '../../experiment/model.js'
import type { NodeSelectorInput, PodSelectorInput } from '../../experiment/kubernetes-schema.js'
import { FaultInjectionError } from '../../faults/contract.js'
import {
  KubeConnectionError,
  loadKubeConfig,
  resolveConnection,
  type KubeConnectionRef,
} from '../../safety/kube-connection.js'
import { kubeErrorMessage, kubeRequest, statusMessage } from '../../safety/kube-request.js'
import type { KubernetesRun, RecoveryWatch, WorkloadRef } from './contract.js'
import { deniedNamespaceError } from './deny-list.js'
import { candidateNodes, describeNodeSelector } from './nodes.js'
import { candidatePods } from './pods.js'
import { watchRecovery } from './recovery.js'
import { pickTargets } from './select.js'
import { combineLabelSelector } from './label-selector.js'

export interface ConnectOptions {
  /** `--kubeconfig` (of `ordeal run`, or of the agent/server for their runs). */
  flagKubeconfig?: string | undefined
  /** `--context`: wins over the manifest's `context`. */
  flagContext?: string | undefined
  /** Already resolved (by the agent or server process, for its runs): no resolution here. */
  connection?: KubeConnectionRef | undefined
  /** The namespace of the pod ordeal runs in: never touched (it is in `spec.deniedNamespaces`). */
  ownNamespace?: string | undefined
  /** How to lift a denied namespace, for the refusal line (default: the manifest's allowNamespaces). */
  allowHint?: string | undefined
  env: NodeJS.ProcessEnv
  /** Injectable for tests of the selection. */
  random?: () => number
  /** How long the `/version` check may take. */
  timeoutMs?: number
}

/** A connection failure, one line (`cannot reach the Kubernetes API at …: connect ECONNREFUSED …`). */
export class KubernetesConnectError extends Error {
  readonly code = 'ORDEAL_KUBE_CONNECT'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'KubernetesConnectError'
  }
}

export async function connectKubernetes(
  spec: KubernetesSystemSpec,
  options: ConnectOptions
): Promise<KubernetesRun> {
  let connection: KubeConnectionRef
  let config: KubeConfig
  try {
    connection =
      options.connection ??
      resolveConnection({
        manifestKubeconfig: spec.kubeconfig,
        flagKubeconfig: options.flagKubeconfig,
        context: options.flagContext ?? spec.context,
        env: options.env,
      })
    config = await loadKubeConfig(connection)
  } catch (error) {
    if (error instanceof KubeConnectionError) {
      throw new KubernetesConnectError(error.message, { cause: error })
    }
    throw error
  }
  const deny = (namespace: string) =>
    deniedNamespaceError(namespace, spec.deniedNamespaces, {
      ownNamespace: options.ownNamespace,
      allowHint: options.allowHint,
    })
  await checkReachable(config, spec, deny, options.timeoutMs ?? 15_000)
  const run = kubernetesRun(spec, connection, config, options.random, deny)
  return run
}

/** `/version` answers, then the namespace exists (and may be touched). */
async function checkReachable(
  config: KubeConfig,
  spec: KubernetesSystemSpec,
  deny: (namespace: string) => string | undefined,
  timeoutMs: number
): Promise<void> {
  const server = config.getCurrentCluster()?.server ?? '?'
  try {
    const version = await kubeRequest(config, { method: 'GET', path: '/version', timeoutMs })
    if (version.status === 401 || version.status === 403) {
      throw new KubernetesConnectError(
        `the Kubernetes API at ${server} refused the credentials: ${statusMessage(version)}`
      )
    }
  } catch (error) {
    if (error instanceof KubernetesConnectError) {
      throw error
    }
    throw new KubernetesConnectError(
      `cannot reach the Kubernetes API at ${server}: ${kubeErrorMessage(error)}`,
      { cause: error }
    )
  }
  const denied = deny(spec.namespace)
  if (denied !== undefined) {
    throw new KubernetesConnectError(denied)
  }
  let answer
  try {
    answer = await kubeRequest(config, {
      method: 'GET',
      path: `/api/v1/namespaces/${spec.namespace}`,
      timeoutMs,
    })
  } catch (error) {
    throw new KubernetesConnectError(
      `cannot reach the Kubernetes API at ${server}: ${kubeErrorMessage(error)}`,
      { cause: error }
    )
  }
  if (answer.status === 404) {
    throw new KubernetesConnectError(`namespace "${spec.namespace}" not found`)
  }
  if (answer.status === 403) {
    // A least-privilege agent with a Role in its namespace may not read Namespace objects
    // (cluster-scoped): it cannot tell, and its faults' own calls will name what is missing.
    return
  }
  if (answer.status < 200 || answer.status > 299) {
    throw new KubernetesConnectError(`namespace "${spec.namespace}": ${statusMessage(answer)}`)
  }
}

/** The run's cluster, once connected: selection, deny list, recovery watches. */
export function kubernetesRun(
  spec: KubernetesSystemSpec,
  connection: KubeConnectionRef,
  config: KubeConfig,
  random: () => number = Math.random,
  deny = (namespace: string) => deniedNamespaceError(namespace, spec.deniedNamespaces)
): KubernetesRun {
  const watches = new Set<RecoveryWatch>()
  const checkNamespace = (namespace: string) => {
    const denied = deny(namespace)
    if (denied !== undefined) {
      throw new FaultInjectionError(denied)
    }
  }
  const candidates = async (selector: PodSelectorInput) => {
    const namespace = selector.namespace ?? spec.namespace
    checkNamespace(namespace)
    return candidatePods(config, namespace, selector)
  }
  return {
    spec,
    connection,
    config,
    checkNamespace,
    candidatePods: candidates,
    async selectPods(selector, report) {
      const pods = await candidates(selector)
      return pickTargets(pods, selector, {
        subject: describePodSelector(selector, spec.namespace),
        noun: ['pod', 'pods'],
        hardCap: { limit: spec.maxPodsPerFault, name: 'maxPodsPerFault' },
        random,
        report,
      })
    },
    candidateNodes: (selector) => candidateNodes(config, selector),
    async selectNodes(selector: NodeSelectorInput, report) {
      const nodes = await candidateNodes(config, selector)
      return pickTargets(nodes, selector, {
        subject: describeNodeSelector(selector),
        noun: ['node', 'nodes'],
        random,
        report,
      })
    },
    watchRecovery(workload: WorkloadRef) {
      checkNamespace(workload.namespace)
      const watch = watchRecovery(config, workload, { defaultNamespace: spec.namespace })
      watches.add(watch)
      return {
        acted: (at) => watch.acted(at),
        settled: (timeoutMs, signal) => watch.settled(timeoutMs, signal),
        close: () => {
          watches.delete(watch)
          watch.close()
        },
      }
    },
    close() {
      for (const watch of watches) {
        watch.close()
      }
      watches.clear()
    },
  }
}

/** `of deployment/orders in shop`, `matching app=orders in shop`, `with spec.nodeName=n1 in shop`. */
export function describePodSelector(selector: PodSelectorInput, defaultNamespace: string): string {
  const namespace = selector.namespace ?? defaultNamespace
  const labels = combineLabelSelector(selector.labels, selector.selector)
  const parts = [
    ...(selector.workload ? [`of ${selector.workload}`] : []),
    ...(labels ? [`matching ${labels}`] : []),
    ...(selector.fieldSelector ? [`with ${selector.fieldSelector}`] : []),
  ]
  return `${parts.join(' ')} in ${namespace}`
}
