/**
 * `--dry-run` for Kubernetes faults: connects read-only and lists what each fault would touch
 * (pods, nodes, the workload), so `mode: one` among three pods names all three candidates:
 * `would delete 1 of 3 pods of deployment/orders in shop (mode one): a, b, c`.
 * An unreachable cluster is said on each line; the dry run goes on.
 * @module
 */
import type { Experiment, Step } from '../experiment/model.js'
import type { NodeSelectorInput, PodSelectorInput } from '../experiment/kubernetes-schema.js'
import type { KubernetesRun } from '../platforms/kubernetes/contract.js'
import { selectionCount, type SelectionMode } from '../faults/select.js'
import { capLimit } from '../faults/select-caps.js'
import { connectRunCluster, type ClusterOptions } from './kubernetes-system.js'

type FaultStep = Extract<Step, { kind: 'fault' }>

const POD_VERBS: Record<string, string> = {
  'pod-delete': 'delete',
  'network-isolate': 'isolate',
}
const NODE_VERBS: Record<string, string> = {
  'node-cordon': 'cordon',
  'node-drain': 'drain',
}

/** Is this a fault that acts through the Kubernetes API? */
export function isKubernetesFault(type: string): boolean {
  return type in POD_VERBS || type in NODE_VERBS || type === 'workload-scale'
}

/** One line per Kubernetes fault step, in `faults` order; [] when there is none. */
export async function kubernetesDryRunLines(
  experiment: Experiment,
  faults: FaultStep[],
  options: ClusterOptions
): Promise<Map<FaultStep, string>> {
  const lines = new Map<FaultStep, string>()
  const kube = faults.filter((s) => isKubernetesFault(s.fault.type))
  if (kube.length === 0 || experiment.system.kubernetes === undefined) {
    return lines
  }
  let run: KubernetesRun | undefined
  let unreachable: string | undefined
  try {
    run = await connectRunCluster(experiment, options)
  } catch (error) {
    unreachable = error instanceof Error ? error.message : String(error)
  }
  try {
    for (const step of kube) {
      lines.set(step, await describeStep(step, run, unreachable, experiment))
    }
  } finally {
    run?.close()
  }
  return lines
}

async function describeStep(
  step: FaultStep,
  run: KubernetesRun | undefined,
  unreachable: string | undefined,
  experiment: Experiment
): Promise<string> {
  const type = step.fault.type
  const params = step.fault.params as {
    pods?: PodSelectorInput
    nodes?: NodeSelectorInput
    workload?: string
    namespace?: string
    replicas?: number
  }
  const spec = experiment.system.kubernetes!
  const cannot = (what: string) => `would ${what}; cannot list them: ${unreachable}`
  if (params.pods !== undefined) {
    const verb = POD_VERBS[type] ?? 'act on'
    const { describePodSelector } = await import('../platforms/kubernetes/connect.js')
    const subject = describePodSelector(params.pods, spec.namespace)
    if (run === undefined) {
      return cannot(`${verb} pods ${subject}`)
    }
    try {
      const pods = await run.candidatePods(params.pods)
      const count = Math.min(howMany(pods.length, params.pods), spec.maxPodsPerFault)
      const names = pods.map((p) => p.name).sort()
      return `would ${verb} ${countText(count, params.pods.mode)} of ${pods.length} ${pods.length === 1 ? 'pod' : 'pods'} ${subject} (mode ${params.pods.mode ?? 'one'}): ${names.join(', ') || 'none'}`
    } catch (error) {
      return `would ${verb} pods ${subject}: ${(error as Error).message}`
    }
  }
  if (params.nodes !== undefined) {
    const verb = NODE_VERBS[type] ?? 'act on'
    const { describeNodeSelector } = await import('../platforms/kubernetes/nodes.js')
    const subject = describeNodeSelector(params.nodes)
    if (run === undefined) {
      return cannot(`${verb} nodes ${subject}`)
    }
    try {
      const nodes = await run.candidateNodes(params.nodes)
      const count = howMany(nodes.length, params.nodes)
      return `would ${verb} ${countText(count, params.nodes.mode)} of ${nodes.length} ${nodes.length === 1 ? 'node' : 'nodes'} ${subject} (mode ${params.nodes.mode ?? 'one'}): ${nodes.map((n) => n.name).join(', ') || 'none'}`
    } catch (error) {
      return `would ${verb} nodes ${subject}: ${(error as Error).message}`
    }
  }
  if (params.workload !== undefined) {
    const namespace = params.namespace ?? spec.namespace
    const target = `${params.workload} in ${namespace}`
    if (run === undefined) {
      return cannot(`scale ${target} to ${params.replicas}`)
    }
    try {
      run.checkNamespace(namespace)
      const pods = await run.candidatePods({ workload: params.workload, namespace })
      return `would scale ${target} to ${params.replicas} (${pods.length} ${pods.length === 1 ? 'pod' : 'pods'} now: ${pods.map((p) => p.name).join(', ') || 'none'})`
    } catch (error) {
      return `would scale ${target}: ${(error as Error).message}`
    }
  }
  return `${type}: acts through the Kubernetes API`
}

/** How many of `n` a selector picks, as far as is known without drawing (caps applied). */
function howMany(
  n: number,
  selector: { mode?: SelectionMode | undefined; value?: number | undefined } & Parameters<
    typeof capLimit
  >[1]
): number {
  const mode = selector.mode ?? 'one'
  if (n === 0) {
    return 0
  }
  try {
    // random-max-percent: its maximum (random() just below 1 draws the top percentage).
    const count = selectionCount(n, mode, selector.value, () => 0.999999)
    return Math.min(count, capLimit(n, selector))
  } catch {
    return 0
  }
}

function countText(count: number, mode: SelectionMode | undefined): string {
  return mode === 'random-max-percent' ? `up to ${count}` : `${count}`
}
