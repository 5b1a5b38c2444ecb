/**
 * The probe driver contract: one observation with a pass criterion. Modes, attempts, timeouts
 * and scheduling belong to the engine; a driver only checks once.
 * @module
 */
import type { ProbeInput } from '../experiment/schema.js'
import type { TemplateVars } from '../shared/template.js'
import type { Launcher } from '../platforms/local/exec-policy.js'
import type { KubernetesRun } from '../platforms/kubernetes/contract.js'

export type ProbeParamsOf<T extends ProbeInput['type']> = Extract<ProbeInput, { type: T }>

export interface ProbeContext {
  /** Aborted on the attempt's timeout or when the run stops: give up promptly. */
  signal: AbortSignal
  timeoutMs: number
  /** Template variables (`{{services.api.ports.http}}`), rendered by the driver into its params. */
  vars: TemplateVars
  baseDir: string
  /**
   * Builds a command's spawn (user, environment) for `cmd` probes: the run's exec policy.
   * @default scrubbed environment, as ordeal's own user
   */
  launch?: Launcher
  /** The run's cluster when `spec.system.kubernetes` is set; the k8s probe fails without it. */
  kubernetes?: KubernetesRun
}

export interface ProbeOutcome {
  passed: boolean
  /** One line saying what was observed: `status 503, expected 2xx`, `connect ECONNREFUSED`. */
  message: string
  /** The observed value, when there is one (for the journal and reports). */
  value?: string | number
}

export interface ProbeDriver<P extends ProbeInput = ProbeInput> {
  type: P['type']
  /** One line for dry runs and reports: `GET http://127.0.0.1:8080/health expect 2xx`. */
  describe(params: P): string
  /** Checks once. Transport errors are a failed outcome, never a throw. */
  check(params: P, ctx: ProbeContext): Promise<ProbeOutcome>
}

export function defineProbe<T extends ProbeInput['type']>(
  driver: ProbeDriver<ProbeParamsOf<T>> & { type: T }
) {
  return driver
}
