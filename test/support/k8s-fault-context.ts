/**
 * A real FaultContext for Kubernetes fault tests: the FaultHarness (real ledger in a temporary
 * state dir) plus the platform's real KubernetesRun connected to a test cluster, and the
 * recovery outcomes the faults report. `cleanup()` undoes what the ledger still holds (through
 * the real kubernetes undo executor) and closes the run's watches.
 * @module
 */
import type { FaultInput } from '../../src/experiment/schema.js'
import type { FaultContext } from '../../src/faults/contract.js'
import type { KubernetesRun, RecoveryOutcome } from '../../src/platforms/kubernetes/contract.js'
import { kubernetesRun } from '../../src/platforms/kubernetes/connect.js'
import { DEFAULT_DENIED_NAMESPACES } from '../../src/experiment/kubernetes-schema.js'
import { FaultHarness } from './fault-context.js'
import type { TestCluster } from './k8s-cluster.js'

export class KubeFaultHarness {
  readonly recoveries: RecoveryOutcome[] = []
  readonly kube: KubernetesRun
  readonly faults: FaultHarness

  private constructor(faults: FaultHarness, kube: KubernetesRun) {
    this.faults = faults
    this.kube = kube
  }

  /** A run whose system namespace is `namespace` (the default deny list applies). */
  static async create(cluster: TestCluster, namespace: string): Promise<KubeFaultHarness> {
    const kube = kubernetesRun(
      {
        namespace,
        kubeconfig: cluster.kubeconfig,
        deniedNamespaces: [...DEFAULT_DENIED_NAMESPACES],
        maxPodsPerFault: 10,
      },
      { kubeconfig: cluster.kubeconfig },
      cluster.config
    )
    return new KubeFaultHarness(await FaultHarness.create(), kube)
  }

  get actions(): string[] {
    return this.faults.actions
  }

  get ledger() {
    return this.faults.ledger
  }

  context<P extends FaultInput>(
    params: P,
    options: { durationMs?: number; kube?: KubernetesRun } = {}
  ): FaultContext<P> & { controller: AbortController } {
    return {
      ...this.faults.context(params, options),
      kubernetes: options.kube ?? this.kube,
      recovery: (outcome) => {
        this.recoveries.push(outcome)
      },
    }
  }

  async cleanup(): Promise<void> {
    await this.faults.cleanup()
    this.kube.close()
  }
}
