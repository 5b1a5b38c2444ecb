/**
 * A probe context for driver tests. By default its signal never aborts, so a test of a slow
 * peer shows that the driver honours `timeoutMs` on its own.
 * @module
 */
import type { ProbeContext } from '../../src/probes/contract.js'
import type { TemplateVars } from '../../src/shared/template.js'

export function probeContext(
  options: { timeoutMs?: number; vars?: TemplateVars; baseDir?: string; signal?: AbortSignal } = {}
): ProbeContext {
  return {
    signal: options.signal ?? new AbortController().signal,
    timeoutMs: options.timeoutMs ?? 5000,
    vars: options.vars ?? {},
    baseDir: options.baseDir ?? process.cwd(),
  }
}

/** Fields every probe carries, for building params in tests. */
export const probeBase = { name: 'probe', mode: 'SOT' } as const
