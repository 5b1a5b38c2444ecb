/**
 * Decides which watch events are deploys: the last pod-template hash of every annotated
 * workload, per list/watch stream (one per kind and namespace, or per kind cluster-wide).
 *
 * - The first list of a stream is the baseline: nothing in it is a change (an agent that
 *   starts, or restarts, does not re-run every subscribed experiment).
 * - A later list (after a dropped watch or a 410 Gone) is compared with what was seen: a
 *   template changed while the watch was down is still reported, once, and a workload gone
 *   from the list is forgotten.
 * - A workload seen for the first time (created, or annotated, after the baseline) is its own
 *   baseline; a new uid under the same name (deleted and re-created) too.
 * - Only a different template hash is a change: a scale, a label or an annotation is not.
 * Pure (the clock is injected).
 * @module
 */
import type { WorkloadChanged } from '../protocol.js'
import {
  experimentOf,
  imagesOf,
  templateHash,
  type WatchedKind,
  type WorkloadObject,
} from './template.js'

/** A change as the watch reports it: the frame without its type. */
export type WorkloadChange = Omit<WorkloadChanged, 'type' | 'agent'>

interface Seen {
  uid: string
  hash: string
  stream: string
}

export interface TrackerOptions {
  now?: () => number
  /** One line for the agent's log (an annotation that names no experiment, once per value). */
  warn?: (line: string) => void
}

export class WorkloadTracker {
  readonly #seen = new Map<string, Seen>()
  readonly #listed = new Set<string>()
  readonly #warned = new Set<string>()
  readonly #now: () => number
  readonly #warn: (line: string) => void

  constructor(options: TrackerOptions = {}) {
    this.#now = options.now ?? Date.now
    this.#warn = options.warn ?? (() => undefined)
  }

  /** How many annotated workloads are tracked. */
  get size(): number {
    return this.#seen.size
  }

  /** A full list of `stream`: the changes since the last one (none for the first). */
  list(stream: string, kind: WatchedKind, objects: readonly WorkloadObject[]): WorkloadChange[] {
    const baseline = !this.#listed.has(stream)
    this.#listed.add(stream)
    const present = new Set<string>()
    const changes: WorkloadChange[] = []
    for (const object of objects) {
      present.add(keyOf(kind, object))
      const change = this.#observe(stream, kind, object, baseline)
      if (change !== undefined) {
        changes.push(change)
      }
    }
    for (const [key, seen] of this.#seen) {
      if (seen.stream === stream && key.startsWith(`${kind}/`) && !present.has(key)) {
        this.#seen.delete(key)
      }
    }
    return changes
  }

  /** One watch event of `stream` (ADDED, MODIFIED, DELETED): the change it is, if any. */
  event(
    stream: string,
    kind: WatchedKind,
    type: string,
    object: WorkloadObject
  ): WorkloadChange | undefined {
    if (type === 'DELETED') {
      this.#seen.delete(keyOf(kind, object))
      return undefined
    }
    if (type !== 'ADDED' && type !== 'MODIFIED') {
      return undefined
    }
    return this.#observe(stream, kind, object, false)
  }

  #observe(
    stream: string,
    kind: WatchedKind,
    object: WorkloadObject,
    baseline: boolean
  ): WorkloadChange | undefined {
    const key = keyOf(kind, object)
    const subscribed = experimentOf(object)
    if (subscribed === undefined || 'invalid' in subscribed) {
      this.#seen.delete(key)
      if (subscribed !== undefined && !this.#warned.has(`${key}=${subscribed.invalid}`)) {
        this.#warned.add(`${key}=${subscribed.invalid}`)
        this.#warn(
          `workload watch: ${describe(kind, object)}: annotation ordeal.dev/experiment=${JSON.stringify(subscribed.invalid)} is not an experiment name; ignored`
        )
      }
      return undefined
    }
    const template = object.spec?.template
    const hash = object.digest?.hash ?? templateHash(template)
    const uid = object.metadata?.uid ?? ''
    const previous = this.#seen.get(key)
    this.#seen.set(key, { uid, hash, stream })
    if (baseline || previous === undefined || previous.uid !== uid || previous.hash === hash) {
      return undefined
    }
    return {
      experiment: subscribed.experiment,
      workload: `${kind}/${object.metadata?.name ?? ''}`,
      namespace: object.metadata?.namespace ?? '',
      images: object.digest?.images ?? imagesOf(template).slice(0, 64),
      generation: object.metadata?.generation ?? 0,
      observedAt: new Date(this.#now()).toISOString(),
    }
  }
}

function keyOf(kind: WatchedKind, object: WorkloadObject): string {
  return `${kind}/${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`
}

function describe(kind: WatchedKind, object: WorkloadObject): string {
  return `${kind}/${object.metadata?.name ?? '?'} in ${object.metadata?.namespace ?? '?'}`
}
