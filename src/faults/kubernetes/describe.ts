/**
 * Dry-run words for Kubernetes selectors: `one of pods app=orders in shop`. Without a cluster
 * (describe() has none), so the namespace a selector leaves out reads "the system's namespace".
 * @module
 */
import type { NodeSelectorInput, PodSelectorInput } from '../../experiment/kubernetes-schema.js'

type Selection = { mode?: string | undefined; value?: number | undefined }

export function describePods(s: PodSelectorInput): string {
  const what = [
    s.workload,
    labelsText(s.labels),
    s.selector,
    s.fieldSelector === undefined ? undefined : `fields ${s.fieldSelector}`,
  ].filter(Boolean)
  const where = s.namespace === undefined ? "the system's namespace" : s.namespace
  return `${modeText(s)} pods ${what.join(', ')} in ${where}`
}

export function describeNodes(s: NodeSelectorInput): string {
  if (s.name !== undefined) {
    return `node ${s.name}`
  }
  return `${modeText(s)} nodes ${[labelsText(s.labels), s.selector].filter(Boolean).join(', ')}`
}

function labelsText(labels: Record<string, string> | undefined): string | undefined {
  return labels === undefined
    ? undefined
    : Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')
}

function modeText(s: Selection): string {
  switch (s.mode ?? 'one') {
    case 'all':
      return 'all'
    case 'fixed':
      return `${s.value} of the`
    case 'fixed-percent':
      return `${s.value}% of the`
    case 'random-max-percent':
      return `up to ${s.value}% of the`
    default:
      return 'one of the'
  }
}
