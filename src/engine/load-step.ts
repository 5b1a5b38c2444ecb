/**
 * A `load` step: drives the open-model generator for its duration and records every operation
 * in the journal (the history checks read), one tick per second, and the summary.
 * @module
 */
import type { LoadSpec } from '../load/contract.js'
import { runLoad } from '../load/generator.js'
import { renderTemplate, type TemplateVars } from '../shared/template.js'
import type { AbortKind } from './events.js'
import type { Journal } from './journal.js'

export interface LoadStepEnv {
  journal: Journal
  signal: AbortSignal
  vars: () => TemplateVars
  abort: (kind: AbortKind, reason: string) => void
}

export async function runLoadStep(stepId: string, spec: LoadSpec, env: LoadStepEnv): Promise<void> {
  const { journal } = env
  journal.emit({
    type: 'load.started',
    stepId,
    method: spec.method,
    url: displayUrl(spec.url, env.vars()),
    targetRate: spec.rate ?? Math.max(spec.startRate, ...(spec.stages ?? []).map((s) => s.target)),
    durationMs: spec.durationMs,
  })
  const summary = await runLoad(spec, {
    signal: env.signal,
    vars: env.vars(),
    onOp: (op) => journal.emit({ type: 'op', stepId, op }),
    onTick: (tick) => journal.emit({ type: 'load.tick', stepId, tick }),
    onAbort: (t) =>
      env.abort(
        'threshold',
        `threshold ${t.metric} '${t.expression}' failed (observed ${round(t.observed)}) with abortOnFail`
      ),
  })
  journal.emit({ type: 'load.ended', stepId, summary })
}

/** The URL with system variables filled in; per-request ones (`{{seq}}`…) stay as written. */
function displayUrl(url: string, vars: TemplateVars): string {
  try {
    return renderTemplate(url, { ...vars, seq: '{{seq}}', uuid: '{{uuid}}', now: '{{now}}' })
  } catch {
    return url
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000
}
