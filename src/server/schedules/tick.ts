/**
 * One tick's decision, recorded: a skip is written with its reason; a run is written `pending`
 * first (only the writer of that row launches: a restart or a race launches nothing), then the
 * concurrency policy applies (Forbid skips while a run of the experiment is queued or running;
 * Replace aborts the runs this schedule started and waits for their end, but skips while any
 * other run is going; Allow launches), and the row ends `ran`
 * with its run or `failed` with why.
 * @module
 */
import type { Clock } from '../continuous/clock.js'
import type { ScheduleTick } from '../../shared/continuous.js'
import type { Decision } from './plan/catch-up.js'
import type { Entry } from './entry.js'
import type { SchedulerHost } from './scheduler.js'
import type { ScheduleStore } from './store.js'

const iso = (t: number) => new Date(t).toISOString()

export interface TickDeps {
  store: ScheduleStore
  host: Pick<SchedulerHost, 'launch' | 'replace'>
  clock: Clock
  /** Runs slow work (Replace's wait, a launch) without holding the caller's recording slot. */
  unheld?: <T>(work: () => Promise<T>) => Promise<T>
}

export async function recordTick(
  { store, host, clock, unheld = (work) => work() }: TickDeps,
  entry: Entry,
  decision: Decision
): Promise<void> {
  const base = {
    experimentId: entry.experiment.id,
    schedule: entry.def.name,
    dueAt: iso(decision.dueAt),
    fireAt: iso(decision.fireAt),
  }
  if (decision.action === 'skip') {
    await store.insertTick({
      ...base,
      firedAt: iso(clock.now()),
      outcome: 'skipped',
      ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
    })
    return
  }
  // Written before anything starts: a second writer (a restart, a race) launches nothing.
  if (!(await store.insertTick({ ...base, outcome: 'pending' }))) {
    return
  }
  const settle = (tick: Partial<ScheduleTick> & Pick<ScheduleTick, 'outcome'>) =>
    store.settleTick({ ...base, firedAt: iso(clock.now()), ...tick })
  try {
    const active = await store.activeRuns(entry.experiment.id)
    const policy = entry.def.concurrencyPolicy
    if (active.length > 0 && policy === 'Forbid') {
      await settle({
        outcome: 'skipped',
        reason: `a run is still going: ${active.map((r) => r.id).join(', ')}`,
      })
      return
    }
    if (active.length > 0 && policy === 'Replace') {
      // Replace aborts only what this schedule started (as a CronJob replaces its own jobs):
      // a manual run, a trigger's or a gate's (a rollout waiting on it) is never cut short.
      const others = active.filter((r) => r.schedule !== entry.def.name)
      if (others.length > 0) {
        await settle({
          outcome: 'skipped',
          reason: `a run not started by this schedule is going: ${others.map((r) => r.id).join(', ')}`,
        })
        return
      }
      await unheld(() =>
        host.replace(active, `replaced by schedule ${entry.def.name} (due ${base.dueAt})`)
      )
    }
    const firedAt = iso(clock.now())
    const runId = await unheld(() => host.launch(entry.experiment, entry.def, base.dueAt))
    await store.settleTick({ ...base, firedAt, outcome: 'ran', runId })
  } catch (error) {
    await settle({ outcome: 'failed', reason: oneLine(error) })
  }
}

export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.split('\n')[0]!.trim()
}
