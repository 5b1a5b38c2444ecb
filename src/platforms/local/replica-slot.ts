/**
 * A replica's stable identity across generations, like a StatefulSet pod: same index, ports and
 * data dir; each (re)creation is a new ReplicaProcess with a new pid and generation + 1.
 * @module
 */
import type { EventEmitter } from 'node:events'
import type { ServiceSpec } from '../../experiment/model.js'
import type { ReplicaProcess } from './replica.js'
import type { ReplicaLayout } from './service-vars.js'
import { SystemStartError, type ReplicaInfo, type ReplicaState } from './supervisor.js'
import type { ProcessTarget } from './targets.js'

/** Output lines kept per replica for error messages. */
const kTailLines = 10

export interface ReplicaSlot {
  spec: ServiceSpec
  index: number
  /** `api-0` */
  label: string
  ports: Record<string, number>
  dataDir: string
  generation: number
  state: ReplicaState
  /** The current generation's process, while it has not exited. */
  proc?: ReplicaProcess
  /** Last output lines, already prefixed. */
  tail: string[]
  lastDelayMs?: number
  restartTimer?: NodeJS.Timeout
  /** False until first ready: an exit before that fails start() instead of restarting. */
  supervised: boolean
  /** restartReplica calls on one replica run one after another. */
  queue: Promise<unknown>
}

export function createSlot(spec: ServiceSpec, index: number, dataDir: string): ReplicaSlot {
  return {
    spec,
    index,
    label: `${spec.name}-${index}`,
    ports: {},
    dataDir,
    generation: 0,
    // Nothing launched yet: 'stopped' until start() (the contract has no 'pending' state).
    state: 'stopped',
    tail: [],
    supervised: false,
    queue: Promise.resolve(),
  }
}

export function rememberLine(slot: ReplicaSlot, line: string): void {
  slot.tail.push(line)
  if (slot.tail.length > kTailLines) {
    slot.tail.shift()
  }
}

export function slotLayout(slot: ReplicaSlot): ReplicaLayout {
  return {
    index: slot.index,
    ports: slot.ports,
    dataDir: slot.dataDir,
    ...(slot.proc ? { pid: slot.proc.pid } : {}),
  }
}

export function slotInfo(slot: ReplicaSlot): ReplicaInfo {
  return {
    service: slot.spec.name,
    index: slot.index,
    ...(slot.proc ? { pid: slot.proc.pid, startTime: slot.proc.startTime } : {}),
    state: slot.state,
    generation: slot.generation,
    ports: { ...slot.ports },
    dataDir: slot.dataDir,
  }
}

/** The replica as a fault target while it has a live process (starting or running). */
export function slotTarget(slot: ReplicaSlot): ProcessTarget | undefined {
  const proc = slot.proc
  if (!proc?.alive) {
    return undefined
  }
  return {
    label: slot.label,
    pid: proc.pid,
    ...(proc.startTime !== undefined ? { startTime: proc.startTime } : {}),
    groupLeader: true,
    service: slot.spec.name,
    replica: slot.index,
  }
}

/** A launch of one replica failed; carries the slot so the error can name it and its output. */
export class LaunchError extends Error {
  constructor(
    readonly slot: ReplicaSlot,
    reason: string,
    /** The process exited: the exit handler already applies the restart policy. */
    readonly exited = false
  ) {
    super(reason)
  }
}

/** The SystemStartError for a failed start: who failed, why, and what it printed last. */
export function toStartError(error: unknown): SystemStartError {
  if (error instanceof SystemStartError) {
    return error
  }
  if (!(error instanceof LaunchError)) {
    return new SystemStartError(`system failed to start: ${(error as Error).message}`, {
      cause: error,
    })
  }
  const { slot } = error
  const output =
    slot.tail.length > 0 ? slot.tail.map((line) => `  ${line}`).join('\n') : '  (no output)'
  return new SystemStartError(
    `service '${slot.spec.name}' replica ${slot.index} failed to start: ${error.message}\n` +
      `last output of ${slot.label}:\n${output}`,
    { cause: error }
  )
}

/**
 * Resolves once `slot` runs a generation above `afterGeneration`; re-checked on every `change`
 * of `changes`. Rejects when `signal` aborts, or when no restart can come any more.
 */
export function waitForGeneration(
  slot: ReplicaSlot,
  afterGeneration: number,
  options: { changes: EventEmitter; stopping: () => boolean; signal?: AbortSignal }
): Promise<void> {
  const { changes, signal } = options
  return new Promise((resolve, reject) => {
    const check = () => {
      if (slot.state === 'running' && slot.generation > afterGeneration) {
        finish()
        resolve()
      } else if (signal?.aborted) {
        finish()
        reject(signal.reason ?? new Error('aborted'))
      } else if (options.stopping() || slot.state === 'exited') {
        finish()
        const why = options.stopping() ? 'ordeal is stopping' : `restart: ${slot.spec.restart}`
        reject(new Error(`${slot.label} will not be restarted (${why})`))
      }
    }
    const finish = () => {
      changes.off('change', check)
      signal?.removeEventListener('abort', check)
    }
    changes.on('change', check)
    signal?.addEventListener('abort', check, { once: true })
    check()
  })
}
