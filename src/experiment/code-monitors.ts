/**
 * Monitors written in code (`monitor(...)`, `all(...)`) joining an experiment: a TypeScript
 * module's `export const monitors = [...]`, or `chaos.run(experiment, { monitors })`. They are
 * objects with behaviour, not data, so they stay out of the manifest schema; this checks their
 * shape and that their names do not collide with each other or with `spec.monitors`, whose
 * results and journal events are keyed by name.
 * @module
 */
import { ManifestError } from './errors.js'
import type { Experiment } from './model.js'
import type { MonitorDef } from '../monitors/contract.js'
import type { Observation } from '../monitors/observation.js'

function isMonitorDef(value: unknown): value is MonitorDef<Observation> {
  if (typeof value !== 'object' || value === null) {
    return false
  }
  const m = value as Partial<MonitorDef<Observation>>
  return typeof m.name === 'string' && Array.isArray(m.states) && typeof m.start === 'function'
}

/** `experiment` with `monitors` as its code monitors; one-line ManifestError naming `source`. */
export function withCodeMonitors(
  experiment: Experiment,
  monitors: unknown,
  source: string
): Experiment {
  const fail = (message: string): never => {
    throw new ManifestError([{ file: source, line: 0, path: 'monitors', message }])
  }
  if (!Array.isArray(monitors)) {
    return fail(
      'must be an array of monitors made with monitor(...), all(...), any(...) or sequence(...)'
    )
  }
  const names = new Set((experiment.monitors ?? []).map((m) => m.name))
  monitors.forEach((m, i) => {
    if (!isMonitorDef(m)) {
      fail(`[${i}] is not a monitor made with monitor(...), all(...), any(...) or sequence(...)`)
    }
    if (names.has(m.name)) {
      fail(`[${i}]: a second monitor named '${m.name}'`)
    }
    names.add(m.name)
  })
  return { ...experiment, codeMonitors: monitors as MonitorDef<Observation>[] }
}
