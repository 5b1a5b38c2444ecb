/**
 * The faults' windows on the run's timeline, read from the journal alone: checks place their
 * findings in them and failed thresholds name the faults their failures fall in.
 * @module
 */
import type { FaultWindow } from '../checks/contract.js'
import type { JournalEvent } from './events.js'

/**
 * Fault windows from the journal's inject / revert events, named after their steps. A window
 * opens at the fault's first action when that came first (a process-kill kills before it
 * reports the injection complete): "before the kill" must mean before the kill.
 */
export function faultWindows(journal: { readonly events: readonly JournalEvent[] }): FaultWindow[] {
  const windows = new Map<string, FaultWindow>()
  const firstAction = new Map<string, number>()
  const names = new Map<string, string>()
  for (const e of journal.events) {
    if (e.type === 'run.started') {
      for (const step of e.plan) {
        names.set(step.id, step.name)
      }
    } else if (e.type === 'fault.action') {
      if (!firstAction.has(e.faultId)) {
        firstAction.set(e.faultId, e.t)
      }
    } else if (e.type === 'fault.injected' && !windows.has(e.faultId)) {
      // Once per side of a cross-host fault: the window opens at the first.
      const name = names.get(e.faultId) ?? names.get(e.stepId)
      windows.set(e.faultId, {
        faultId: e.faultId,
        type: e.faultType,
        ...(name === undefined ? {} : { name }),
        start: Math.min(e.t, firstAction.get(e.faultId) ?? e.t),
      })
    } else if (e.type === 'fault.reverted') {
      const w = windows.get(e.faultId)
      if (w) {
        w.end = e.t
      }
    }
  }
  return [...windows.values()]
}
