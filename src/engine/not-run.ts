/**
 * Probes a run never judged, and why, derived from the journal. The runner journals these
 * verdicts before `run.ended`, so the terminal, JSON, JUnit and the UI's live view all read
 * the same "not run" line instead of a probe left `pending` after the run ended in error.
 * @module
 */
import type { JournalEvent, JournalEventBody } from './events.js'

type VerdictEvent = Extract<JournalEventBody, { type: 'probe.verdict' }>

/** A probe whose step was running when the run stopped. */
export const NOT_RUN_STOPPED = 'not run: the run stopped before it was evaluated'

/** `probe.verdict` N/A events for every planned probe that has no verdict yet. */
export function notRunVerdicts(events: readonly JournalEvent[]): VerdictEvent[] {
  const started = events.find((e) => e.type === 'run.started')
  if (!started || started.type !== 'run.started') {
    return []
  }
  const decided = new Set<string>()
  const stepsStarted = new Set<string>()
  let why: string | undefined
  for (const e of events) {
    if (e.type === 'probe.verdict') {
      decided.add(e.probeId)
    } else if (e.type === 'step.started') {
      stepsStarted.add(e.stepId)
    } else if (e.type === 'system.failed') {
      why ??= 'the system failed to start'
    } else if (e.type === 'run.aborted') {
      why ??= 'the run stopped'
    }
  }
  const out: VerdictEvent[] = []
  for (const step of started.plan) {
    for (const probe of step.probes) {
      if (decided.has(probe.id)) {
        continue
      }
      const message =
        why === undefined
          ? 'not evaluated'
          : why !== 'the run stopped'
            ? `not run: ${why}`
            : stepsStarted.has(step.id)
              ? NOT_RUN_STOPPED
              : `not run: the run stopped before step "${step.name}" started`
      out.push({
        type: 'probe.verdict',
        probeId: probe.id,
        stepId: step.id,
        name: probe.name,
        probeType: probe.type,
        mode: probe.mode,
        verdict: 'N/A',
        message,
      })
    }
  }
  return out
}
