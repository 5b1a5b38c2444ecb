/**
 * `ordeal run ctk.json --dry-run`: what the experiment would do, in order, without running
 * anything (dynamic configuration and secrets included: their `${key}`s are shown as written).
 * @module
 */
import type { CtkActivity, CtkEntry, CtkExperiment, CtkValues, RollbackStrategy } from './model.js'
import { substitute } from './substitute.js'

export function ctkPlanLines(
  experiment: CtkExperiment,
  values: CtkValues,
  rollbackStrategy: RollbackStrategy | undefined
): string[] {
  const statics: CtkValues = {
    configuration: Object.fromEntries(
      Object.entries(values.configuration).filter(
        ([, v]) =>
          !(v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'probe')
      )
    ),
    // Secrets stay `${name}`: a plan is printed, and may be pasted anywhere.
    secrets: {},
  }
  const describe = (entry: CtkEntry, judged: boolean): string => {
    if ('ref' in entry && typeof entry.ref === 'string' && !('name' in entry)) {
      const target = experiment.byName.get(entry.ref)
      return target ? `${describe(target, judged)} (ref)` : `ref ${entry.ref} (not found)`
    }
    const a = entry as CtkActivity
    const p = a.provider
    const what =
      p.type === 'http'
        ? `http ${String(p['method'] ?? 'GET').toUpperCase()} ${String(substitute(p['url'], statics))}`
        : `process ${String(p['path'])}${p['arguments'] === undefined ? '' : ` ${JSON.stringify(p['arguments'])}`}`
    const extras = [
      p['timeout'] !== undefined ? `timeout ${JSON.stringify(p['timeout'])}s` : '',
      a.background ? 'background' : '',
      a.pauses?.before !== undefined ? `pause before ${String(a.pauses.before)}s` : '',
      a.pauses?.after !== undefined ? `pause after ${String(a.pauses.after)}s` : '',
      judged ? `tolerance ${JSON.stringify(a.tolerance)}` : '',
    ].filter(Boolean)
    return `${a.type} ${a.name}: ${what}${extras.length ? ` (${extras.join(', ')})` : ''}`
  }
  const lines = [`Chaos Toolkit experiment: ${String(substitute(experiment.title, statics))}`]
  if (experiment.hypothesis && experiment.hypothesisStrategy !== 'skip') {
    const when = {
      default: 'before and after the method',
      'before-method-only': 'before the method',
      'after-method-only': 'after the method',
    }[experiment.hypothesisStrategy]
    lines.push(`steady-state hypothesis "${experiment.hypothesis.title}", ${when}:`)
    lines.push(...experiment.hypothesis.probes.map((p) => `  ${describe(p, true)}`))
  }
  lines.push(`method:${experiment.method.length === 0 ? ' (empty)' : ''}`)
  lines.push(...experiment.method.map((a) => `  ${describe(a, false)}`))
  const strategy = rollbackStrategy ?? experiment.rollbackStrategy ?? 'default'
  lines.push(`rollbacks (strategy ${strategy}):${experiment.rollbacks.length === 0 ? ' none' : ''}`)
  lines.push(...experiment.rollbacks.map((a) => `  ${describe(a, false)}`))
  return lines
}
