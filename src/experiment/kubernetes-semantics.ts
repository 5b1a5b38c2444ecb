/**
 * Whole-manifest checks of Kubernetes experiments, at validation (exit 2, one line naming the
 * field) rather than mid-run: a Kubernetes fault or `k8s` probe needs `spec.system.kubernetes`;
 * every namespace the manifest names (the system's, a selector's, a probe's) must pass the
 * deny list; label and field selectors must parse; a multi-host experiment cannot have a
 * cluster yet. Pure (bundled into the UI with the schema).
 * @module
 */
import type { ExperimentInput, StepInputType } from './schema.js'
import type { SemanticIssue } from './semantics.js'
import { DEFAULT_DENIED_NAMESPACES } from './kubernetes-schema.js'
import { deniedNamespaceError, deniedNamespacesOf } from '../platforms/kubernetes/deny-list.js'
import { fieldSelectorError, labelSelectorError } from '../platforms/kubernetes/label-selector.js'

/** Faults that act through the Kubernetes API. */
export const KUBERNETES_FAULTS = [
  'pod-delete',
  'workload-scale',
  'node-cordon',
  'node-drain',
  'network-isolate',
] as const

export function isKubernetesFaultType(type: string): boolean {
  return (KUBERNETES_FAULTS as readonly string[]).includes(type)
}

interface SelectorLike {
  namespace?: string | undefined
  selector?: string | undefined
  fieldSelector?: string | undefined
}

export function kubernetesIssues(input: ExperimentInput): SemanticIssue[] {
  const issues: SemanticIssue[] = []
  const k = input.spec.system?.kubernetes
  const denied = k === undefined ? [] : deniedNamespacesOf(k, DEFAULT_DENIED_NAMESPACES)
  const namespace = (name: string | undefined, path: (string | number)[]) => {
    const error = name === undefined ? undefined : deniedNamespaceError(name, denied)
    if (error !== undefined) {
      issues.push({ path, message: error })
    }
  }
  const needsCluster = (what: string, path: (string | number)[]) => {
    if (k === undefined) {
      issues.push({
        path,
        message: `${what} acts on a Kubernetes cluster: set spec.system.kubernetes (at least its namespace)`,
      })
    }
  }
  const selectors = (s: SelectorLike | undefined, path: (string | number)[], labelKey: string) => {
    if (s === undefined) {
      return
    }
    const label = s[labelKey as 'selector']
    const labelError = label === undefined ? undefined : labelSelectorError(label)
    if (labelError !== undefined) {
      issues.push({ path: [...path, labelKey], message: labelError })
    }
    const fieldError =
      s.fieldSelector === undefined ? undefined : fieldSelectorError(s.fieldSelector)
    if (fieldError !== undefined) {
      issues.push({ path: [...path, 'fieldSelector'], message: fieldError })
    }
    namespace(s.namespace, [...path, 'namespace'])
  }

  if (k !== undefined) {
    namespace(k.namespace, ['spec', 'system', 'kubernetes', 'namespace'])
    if ((input.spec.system?.agents?.length ?? 0) > 0) {
      issues.push({
        path: ['spec', 'system', 'kubernetes'],
        message:
          'is not supported in a multi-host experiment (spec.system.agents) yet: run it on one agent (ordeal run --agent NAME) or locally',
      })
    }
  }

  const probes = (list: StepInputType['probes'], base: (string | number)[]) =>
    list?.forEach((probe, i) => {
      if (probe.type !== 'k8s') {
        return
      }
      const at = [...base, 'probes', i]
      needsCluster(`probe ${probe.name} (k8s)`, [...at, 'type'])
      const resource = (probe as { resource?: SelectorLike & { labelSelector?: string } }).resource
      selectors(resource, [...at, 'resource'], 'labelSelector')
    })
  probes(input.spec.probes, ['spec'])

  const visit = (step: StepInputType, at: (string | number)[]) => {
    probes(step.probes, at)
    const fault = step.fault
    if (fault !== undefined && isKubernetesFaultType(fault.type)) {
      const f = fault as {
        pods?: SelectorLike
        nodes?: SelectorLike
        namespace?: string
      }
      needsCluster(fault.type, [...at, 'fault', 'type'])
      selectors(f.pods, [...at, 'fault', 'pods'], 'selector')
      selectors(f.nodes, [...at, 'fault', 'nodes'], 'selector')
      namespace(f.namespace, [...at, 'fault', 'namespace'])
    }
    step.serial?.forEach((c, i) => visit(c, [...at, 'serial', i]))
    step.parallel?.forEach((c, i) => visit(c, [...at, 'parallel', i]))
  }
  input.spec.steps.forEach((s, i) => visit(s, ['spec', 'steps', i]))
  return issues
}
