/**
 * The fields of a run's cluster (`KubernetesRun`) that the k8s probe uses (`config`,
 * `spec.namespace`, `checkNamespace`), built from a test cluster's KubeConfig: probe tests do
 * not need the whole platform.
 * @module
 */
import type { KubeConfig } from '@kubernetes/client-node'
import type { ProbeCluster } from '../../src/probes/k8s/index.js'
import type { KubernetesRun } from '../../src/platforms/kubernetes/contract.js'

export function probeCluster(
  config: KubeConfig,
  namespace: string,
  denied: string[] = ['kube-system']
): KubernetesRun {
  const cluster: ProbeCluster = {
    config,
    spec: { namespace },
    checkNamespace(name) {
      if (denied.includes(name)) {
        throw new Error(
          `namespace ${name} is in the deny list (${denied.join(', ')}): list it in spec.system.kubernetes.allowNamespaces to touch it`
        )
      }
    },
  }
  return cluster as unknown as KubernetesRun
}
