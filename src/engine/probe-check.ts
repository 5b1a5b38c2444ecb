/**
 * One evaluation of a probe under its runProperties: up to `attempts` tries, `interval`
 * apart, each bounded by `timeout`. The first passing attempt wins. Driver throws and
 * timeouts become failed outcomes (litmus#5351: transport errors are failures, not crashes).
 * @module
 */
import type { Probe } from '../experiment/model.js'
import { probeDriver } from '../probes/registry.js'
import type { ProbeOutcome } from '../probes/contract.js'
import { sleep } from '../shared/duration.js'
import type { TemplateVars } from '../shared/template.js'
import type { Launcher } from '../platforms/local/exec-policy.js'
import type { KubernetesRun } from '../platforms/kubernetes/contract.js'

export interface CheckEnv {
  vars: () => TemplateVars
  baseDir: string
  /** How `cmd` probes run their command: the run's exec policy. */
  launch?: Launcher
  /** The run's cluster, for `k8s` probes (spec.system.kubernetes). */
  kubernetes?: KubernetesRun
  /** Aborted when the run stops; an evaluation in flight gives up. */
  signal: AbortSignal
  /** Called after every attempt, for the journal. */
  onAttempt: (outcome: ProbeOutcome) => void
  /**
   * Runs one check somewhere else (a multi-host run's coordinator asks the probe's agent).
   * Attempts, interval and the timeout still apply here. @default the probe's driver, here
   */
  check?: (probe: Probe, signal: AbortSignal) => Promise<ProbeOutcome>
}

export async function evaluateProbe(probe: Probe, env: CheckEnv): Promise<ProbeOutcome> {
  let outcome: ProbeOutcome = { passed: false, message: 'not run' }
  for (let attempt = 1; attempt <= probe.run.attempts; attempt++) {
    if (env.signal.aborted) {
      return { passed: false, message: 'run stopped before the probe finished' }
    }
    outcome = await checkOnce(probe, env)
    env.onAttempt(outcome)
    if (outcome.passed) {
      return outcome
    }
    if (attempt < probe.run.attempts) {
      await sleep(probe.run.intervalMs, env.signal)
    }
  }
  return outcome
}

/** One attempt, bounded by the probe's timeout (a multi-host part's `probe` command). */
export async function checkOnce(
  probe: Probe,
  env: Omit<CheckEnv, 'onAttempt'>
): Promise<ProbeOutcome> {
  const timeout = new AbortController()
  const signal = AbortSignal.any([env.signal, timeout.signal])
  let timer: NodeJS.Timeout | undefined
  // The race guarantees the timeout even for a driver that ignores its signal.
  const expired = new Promise<ProbeOutcome>((resolve) => {
    timer = setTimeout(() => {
      timeout.abort()
      resolve({ passed: false, message: `timed out after ${probe.run.timeoutMs}ms` })
    }, probe.run.timeoutMs)
  })
  try {
    const check = (
      env.check
        ? env.check(probe, signal)
        : probeDriver(probe.type).check(probe.params as never, {
            signal,
            timeoutMs: probe.run.timeoutMs,
            vars: env.vars(),
            baseDir: env.baseDir,
            ...(env.launch ? { launch: env.launch } : {}),
            ...(env.kubernetes ? { kubernetes: env.kubernetes } : {}),
          })
    ).catch((error: unknown): ProbeOutcome => ({
      passed: false,
      message: `probe error: ${errorMessage(error)}`,
    }))
    return await Promise.race([check, expired])
  } catch (error) {
    return { passed: false, message: `probe error: ${errorMessage(error)}` }
  } finally {
    clearTimeout(timer)
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
