/**
 * The Kubernetes platform's contract: what a run connected to a cluster hands its faults and
 * probes. Faults and probes act through it and the API only (no node agent): pods, workloads,
 * nodes, NetworkPolicies. Built by `connect.ts` when `spec.system.kubernetes` is set.
 * @module
 */
import type { KubeConfig } from '@kubernetes/client-node'
import type { KubernetesSystemSpec } from '../../experiment/model.js'
import type {
  NodeSelectorInput,
  PodSelectorInput,
  WorkloadKind,
} from '../../experiment/kubernetes-schema.js'
import type { KubeConnectionRef } from '../../safety/kube-connection.js'

/** A pod a fault may act on; `uid` goes into delete preconditions so a re-created pod is never hit. */
export interface PodTarget {
  namespace: string
  name: string
  uid: string
  nodeName?: string
  labels: Record<string, string>
  /** The top workload owning it (a Deployment through its ReplicaSet), when there is one. */
  workload?: WorkloadRef
}

export interface WorkloadRef {
  kind: WorkloadKind
  namespace: string
  name: string
}

export interface NodeTarget {
  name: string
  uid: string
  /** Already cordoned before the fault: a cordon fault leaves it (and its undo) alone. */
  unschedulable: boolean
}

/** How long a workload took to be fully available again after a fault acted on it. */
export interface RecoveryOutcome {
  /** `deployment/orders` (with `namespace/` in front when not the system's namespace). */
  workload: string
  recovered: boolean
  /** From the fault's last action on the workload to fully available, when recovered. */
  ms?: number
  /** Why not recovered: `not fully available within 2m (1 of 3 replicas available)`. */
  reason?: string
  /**
   * Set when `recovered: false` only because the workload could not be observed (its last
   * list or watch failed: API server down, 403): the recovery is unknown, not disproved.
   */
  error?: string
}

export interface RecoveryWatch {
  /** Marks the moment the fault acted on the workload (the clock restarts at each action). */
  acted(at?: number): void
  /**
   * Resolves once the workload is fully available (every desired replica updated, ready and
   * available, no pod terminating) after the last `acted`, or with `recovered: false` at the
   * timeout or when `signal` aborts. Watch-based, not polling.
   */
  settled(timeoutMs: number, signal?: AbortSignal): Promise<RecoveryOutcome>
  close(): void
}

export interface KubernetesRun {
  spec: KubernetesSystemSpec
  /** Plain data for ledger undos: a path and a context, never a credential. */
  connection: KubeConnectionRef
  config: KubeConfig
  /** Throws FaultInjectionError when `namespace` is in the deny list (naming the list). */
  checkNamespace(namespace: string): void
  /** Every pod the selector matches (deny list checked), before mode and caps: dry runs list these. */
  candidatePods(selector: PodSelectorInput): Promise<PodTarget[]>
  /** The pods to act on: candidates, then mode, then caps and `maxPodsPerFault`. */
  selectPods(selector: PodSelectorInput, report: (detail: string) => void): Promise<PodTarget[]>
  candidateNodes(selector: NodeSelectorInput): Promise<NodeTarget[]>
  selectNodes(selector: NodeSelectorInput, report: (detail: string) => void): Promise<NodeTarget[]>
  /** Starts watching a workload (before the fault acts, so no transition is missed). */
  watchRecovery(workload: WorkloadRef): RecoveryWatch
  /** Stops every watch; the run calls it at teardown. */
  close(): void
}
