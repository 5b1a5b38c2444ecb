/**
 * A process a fault may act on: a replica ordeal launched, or a process it attached to.
 * @module
 */

export interface ProcessTarget {
  /** `api-1` for a replica, `legacy` (the attach name) for an attached process. */
  label: string
  pid: number
  /** Start time from /proc, so undo never signals a reused pid. */
  startTime?: number
  /** True when `pid` leads its own process group (replicas are spawned detached). */
  groupLeader: boolean
  service?: string
  replica?: number
}

/** `api-1 (pid 4242)` */
export function describeTarget(target: ProcessTarget): string {
  return `${target.label} (pid ${target.pid})`
}
