/**
 * What a workload's pod template is, for the watch: a hash of `spec.template` (a deploy
 * changes it; a scale changes `spec.replicas` and `metadata.generation` but not the template,
 * so generation alone would call a scale a deploy), its images, and the experiment its
 * `ordeal.dev/experiment` annotation names. Pure.
 * @module
 */
import { createHash } from 'node:crypto'
import { NAME_PATTERN } from '../../../shared/names.js'

/** The annotation that subscribes a workload to an experiment (Litmus: `litmuschaos.io/workflow`). */
export const EXPERIMENT_ANNOTATION = 'ordeal.dev/experiment'

export type WatchedKind = 'deployment' | 'statefulset' | 'daemonset'
export const WATCHED_KINDS: readonly WatchedKind[] = ['deployment', 'statefulset', 'daemonset']

/** The fields of a Deployment, StatefulSet or DaemonSet the watch reads. */
export interface WorkloadObject {
  metadata?: {
    name?: string
    namespace?: string
    uid?: string
    generation?: number
    resourceVersion?: string
    annotations?: Record<string, string>
  }
  spec?: { template?: unknown }
  /** The template reduced to what the tracker reads (a listed object keeps no template). */
  digest?: TemplateDigest
}

export interface TemplateDigest {
  hash: string
  images: string[]
}

/**
 * A listed object as the watch keeps it until the tracker has seen the whole list: metadata
 * the tracker reads and the template's hash and images, not the template (a cluster-wide list
 * of full pod templates costs hundreds of MB on the agent at every relist).
 */
export function reduced(object: WorkloadObject): WorkloadObject {
  const m = object.metadata ?? {}
  const template = object.spec?.template
  return {
    metadata: {
      ...(m.name !== undefined ? { name: m.name } : {}),
      ...(m.namespace !== undefined ? { namespace: m.namespace } : {}),
      ...(m.uid !== undefined ? { uid: m.uid } : {}),
      ...(m.generation !== undefined ? { generation: m.generation } : {}),
      ...(m.resourceVersion !== undefined ? { resourceVersion: m.resourceVersion } : {}),
      ...(m.annotations?.[EXPERIMENT_ANNOTATION] !== undefined
        ? { annotations: { [EXPERIMENT_ANNOTATION]: m.annotations[EXPERIMENT_ANNOTATION] } }
        : {}),
    },
    digest: object.digest ?? {
      hash: templateHash(template),
      images: imagesOf(template).slice(0, 64),
    },
  }
}

interface Container {
  image?: unknown
}

/**
 * JSON with object keys sorted at every level: two templates equal as data hash equal, however
 * the API server (or a client's apply) ordered their keys.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value ?? null)
}

/** sha256 of the canonical pod template. */
export function templateHash(template: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(template ?? null))
    .digest('hex')
}

/** The template's images: containers, then init containers, each once, in order. */
export function imagesOf(template: unknown): string[] {
  const spec = (template as { spec?: { containers?: unknown; initContainers?: unknown } })?.spec
  const list = (value: unknown): Container[] => (Array.isArray(value) ? (value as Container[]) : [])
  const images = [...list(spec?.containers), ...list(spec?.initContainers)]
    .map((c) => c.image)
    .filter((image): image is string => typeof image === 'string' && image !== '')
  return [...new Set(images)]
}

/**
 * The experiment the annotation names: undefined without it; `{ invalid }` when it is not an
 * experiment name (said once in the agent's log, never sent).
 */
export function experimentOf(
  object: WorkloadObject
): { experiment: string } | { invalid: string } | undefined {
  const value = object.metadata?.annotations?.[EXPERIMENT_ANNOTATION]
  if (value === undefined) {
    return undefined
  }
  const name = value.trim()
  return NAME_PATTERN.test(name) && name.length <= 128 ? { experiment: name } : { invalid: value }
}
