/**
 * The system contract the engine and faults rely on. `LocalSupervisor` (local processes) is
 * the first implementation; Kubernetes workloads will be another.
 * @module
 */
import type { TemplateVars } from '../../shared/template.js'
import type { ProcessTarget } from './targets.js'

export type ReplicaState = 'starting' | 'running' | 'restarting' | 'exited' | 'stopped'

export interface ReplicaInfo {
  service: string
  index: number
  /** Current pid; changes when the replica is re-created. Undefined while not running. */
  pid?: number
  startTime?: number
  state: ReplicaState
  /** How many times the replica has been (re)started, starting at 1. */
  generation: number
  ports: Record<string, number>
  dataDir: string
}

export interface RestartOptions {
  /** SIGKILL to the group at once, no SIGTERM first: a crash, not a shutdown (power loss). */
  kill?: boolean
  /**
   * Runs while the replica is down (its group empty), before the fresh start: a disk-fault's
   * power loss drops the unsynced writes here. A throw fails the restart (not started again).
   */
  beforeStart?: () => Promise<void>
}

export interface Supervisor {
  /**
   * Resolves ports (picking free ones for base 0) and data dirs without starting anything.
   * Idempotent; `start` calls it too. After it, `templateVars()` is complete.
   */
  prepare(): Promise<void>
  /** Launches every replica and waits for readiness. Throws SystemStartError (after tearing down). */
  start(): Promise<void>
  /** `{ services: { api: { ports: {http}, dataDir, replicas: [{ports, dataDir, pid}] } } }` */
  templateVars(): TemplateVars
  replicas(service: string): ReplicaInfo[]
  /** Running replicas of `service` as fault targets. */
  targets(service: string): ProcessTarget[]
  /**
   * `<runDir>/preload/<service>-<replica>`: where this run keeps a replica's preload control
   * files. A fault compares the path a target's environment names with this one, exactly.
   */
  preloadDir(service: string, replica: number): string
  /** Graceful stop (SIGTERM to the group, SIGKILL after `graceMs`) then a fresh start. */
  restartReplica(
    service: string,
    index: number,
    graceMs: number,
    options?: RestartOptions
  ): Promise<void>
  /** Resolves when the replica is running with a generation above `afterGeneration`. */
  waitForRestart(
    service: string,
    index: number,
    afterGeneration: number,
    signal?: AbortSignal
  ): Promise<void>
  /** Tears everything down by process group: SIGTERM, then SIGKILL after each grace period. */
  stop(): Promise<void>
  /** Every pid ever launched (for leak checks in tests). */
  launchedPids(): number[]
}

/** Raised when the system cannot start; the run ends with verdict `error` (exit 3). */
export class SystemStartError extends Error {
  readonly code = 'ORDEAL_SYSTEM_START'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SystemStartError'
  }
}
