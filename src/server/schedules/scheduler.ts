/**
 * The scheduler: every schedule of every experiment, one timer armed at the earliest fire time
 * across all of them (heap.ts), each tick handled by its schedule alone. What it needs from the
 * server comes through `SchedulerHost` (the experiments, starting and replacing runs), so the
 * benchmark drives the same code with a recording launcher.
 *
 * A tick, once due: the ticks missed since `last_due_at` are planned (plan/catch-up.ts: at most
 * one runs), and each decision recorded (tick.ts: a run is written `pending` first, and only
 * the writer launches). entry.ts holds a schedule's in-memory state and its API shape.
 * @module
 */
import type { Clock, Timer } from '../continuous/clock.js'
import type { ScheduleInfo, ScheduleTick } from '../../shared/continuous.js'
import type { Sql } from '../store/sql.js'
import { HttpError } from '../http/route.js'
import { declaredSchedules, timingKey, type ScheduleDef } from './declared.js'
import { cronOf, dueBetween, nextDue } from './plan/cron.js'
import { jitterOf } from './plan/jitter.js'
import { planCatchUp, type Decision } from './plan/catch-up.js'
import { FireHeap } from './heap.js'
import { scheduleInfo, type Entry } from './entry.js'
import { oneLine, recordTick } from './tick.js'
import { scheduleStore, type ScheduleState } from './store.js'

export interface ExperimentRef {
  id: string
  name: string
  yaml: string
}

export interface ActiveRun {
  id: string
  source: string
}

export interface SchedulerHost {
  clock: Clock
  sql: Sql
  log(line: string): void
  /** Every experiment (start), and one by id (a change); undefined once deleted. */
  experiments(): Promise<ExperimentRef[]>
  experiment(id: string): Promise<ExperimentRef | undefined>
  /** Starts the tick's run; resolves with its id, or throws with a one-line message. */
  launch(experiment: ExperimentRef, def: ScheduleDef, dueAt: string): Promise<string>
  /** Replace: aborts these runs and waits (bounded) for them to end. */
  replace(runs: ActiveRun[], reason: string): Promise<void>
}

const keyOf = (experimentId: string, name: string) => `${experimentId}\0${name}`
const iso = (t: number) => new Date(t).toISOString()
const DEFAULT_TICK_PAGE = 50
/** Ticks recorded at once when many fall due together (each is a few statements). */
const PARALLEL_TICKS = 16
/** Schedules shown per slice of `list` before it yields to the event loop (next ticks cost croner steps). */
const LIST_CHUNK = 200
/** Stale heap items tolerated beyond the live ones before the heap is rebuilt. */
const HEAP_SLACK = 1024

/** At most `n` holders at once; the rest wait in order. */
function slots(n: number) {
  let free = n
  const waiting: (() => void)[] = []
  return {
    async acquire(): Promise<void> {
      if (free > 0) {
        free -= 1
        return
      }
      await new Promise<void>((resolve) => waiting.push(resolve))
    },
    release(): void {
      const next = waiting.shift()
      if (next !== undefined) {
        next()
      } else {
        free += 1
      }
    },
  }
}

export interface ListPage {
  limit?: number
  offset?: number
}

export interface Scheduler {
  start(): Promise<void>
  experimentChanged(experimentId: string): Promise<void>
  list(experimentId?: string, page?: ListPage): Promise<ScheduleInfo[]>
  ticks(experimentId: string, name: string, limit?: number): Promise<ScheduleTick[] | undefined>
  setPaused(
    experimentId: string,
    name: string,
    paused: boolean,
    by: string
  ): Promise<ScheduleInfo | undefined>
  stop(): Promise<void>
  /** Schedules known (the benchmark's check). */
  readonly size: number
}

export function createScheduler(host: SchedulerHost): Scheduler {
  const { clock, log } = host
  // The server's store opens before the scheduler starts but after it is built: read it late.
  const store = scheduleStore({
    get dialect() {
      return host.sql.dialect
    },
    query: (text, values) => host.sql.query(text, values),
    execute: (text, values) => host.sql.execute(text, values),
  })
  const entries = new Map<string, Entry>()
  const byExperiment = new Map<string, Set<string>>()
  const heap = new FireHeap()
  const inFlight = new Set<Promise<void>>()
  const recording = slots(PARALLEL_TICKS)
  /** Experiments changed while the scheduler was still loading: re-read once it is. */
  const changedEarly = new Set<string>()
  let timer: { at: number; handle: Timer } | undefined
  let stopped = false
  let started = false

  const fireAtOf = (entry: Entry, dueAt: number) =>
    dueAt + jitterOf(entry.experiment.id, entry.def.name, dueAt, entry.def.jitterMs)

  /** Puts the schedule's next tick on the heap (none while paused). */
  function arm(entry: Entry): void {
    entry.gen += 1
    if (entry.paused || stopped) {
      return
    }
    const due =
      entry.armedDue !== undefined && entry.armedDue > entry.lastDue
        ? entry.armedDue
        : nextDue(entry.cron, entry.lastDue)
    entry.armedDue = due
    if (due !== undefined) {
      heap.push({ fireAt: fireAtOf(entry, due), key: entry.key, gen: entry.gen })
      // Re-arms leave their old items behind (skipped when popped); a monthly schedule edited
      // often would keep them for months: rebuilt once they outnumber the live ones.
      if (heap.size > 2 * entries.size + HEAP_SLACK) {
        heap.retain((item) => entries.get(item.key)?.gen === item.gen)
      }
    }
  }

  /** The one timer, at the earliest fire time. */
  function rearm(): void {
    if (stopped) {
      return
    }
    let top = heap.peek()
    while (top !== undefined && entries.get(top.key)?.gen !== top.gen) {
      heap.pop()
      top = heap.peek()
    }
    if (top === undefined) {
      timer?.handle.cancel()
      timer = undefined
      return
    }
    if (timer !== undefined && timer.at <= top.fireAt) {
      return
    }
    timer?.handle.cancel()
    const at = top.fireAt
    timer = { at, handle: clock.timer(at - clock.now(), () => onTimer()) }
  }

  function onTimer(): void {
    timer = undefined
    const now = clock.now()
    const due: Entry[] = []
    for (let top = heap.peek(); top !== undefined && top.fireAt <= now; top = heap.peek()) {
      heap.pop()
      const entry = entries.get(top.key)
      if (entry !== undefined && entry.gen === top.gen) {
        due.push(entry)
      }
    }
    track(handleAll(due, false))
    rearm()
  }

  function track(work: Promise<void>): void {
    inFlight.add(work)
    void work.finally(() => inFlight.delete(work))
  }

  /**
   * Each schedule's tick on its own: recording is bounded (PARALLEL_TICKS at once), but a tick
   * waiting for Replace's aborted runs holds no slot, so it delays no other schedule.
   */
  async function handleAll(due: Entry[], startingUp: boolean): Promise<void> {
    await Promise.all(due.map((entry) => handle(entry, startingUp)))
  }

  /** Runs slow work (Replace waiting up to a minute) without holding a recording slot. */
  async function unheld<T>(work: () => Promise<T>): Promise<T> {
    recording.release()
    try {
      return await work()
    } finally {
      await recording.acquire()
    }
  }

  /** Handles every tick of the schedule whose fire time has come, then arms the next. */
  async function handle(entry: Entry, startingUp: boolean): Promise<void> {
    if (entry.busy || entry.paused || stopped) {
      return
    }
    entry.busy = true
    await recording.acquire()
    // A manifest edit while this tick is handled (load() in place) makes what was computed here
    // stale: its `following` due time is then not kept.
    const version = entry.version
    let unrecorded: Decision[] = []
    let newestDue: number | undefined
    try {
      const now = clock.now()
      const known = entry.armedDue !== undefined && entry.armedDue > entry.lastDue
      const found = dueBetween(
        entry.cron,
        entry.lastDue,
        now,
        entry.def.historyLimit,
        undefined,
        known ? entry.armedDue : undefined
      )
      // A tick whose jitter has not elapsed yet waits for its own turn (and those after it).
      const ready = found.due.findIndex((d) => fireAtOf(entry, d) > now)
      const due = ready === -1 ? found.due : found.due.slice(0, ready)
      if (due.length > 0) {
        const decisions = planCatchUp({
          due,
          older: found.older,
          olderIsLowerBound: found.olderIsLowerBound,
          now,
          fireAt: (d) => fireAtOf(entry, d),
          ...(entry.def.startingDeadlineSeconds !== undefined
            ? { startingDeadlineSeconds: entry.def.startingDeadlineSeconds }
            : {}),
          exclude: entry.def.exclude,
          timeZone: entry.def.timeZone,
          startingUp,
        })
        const newest = due[due.length - 1]!
        newestDue = newest
        unrecorded = [...decisions]
        for (const decision of decisions) {
          await recordTick({ store, host, clock, unheld }, entry, decision)
          unrecorded.shift()
        }
        entry.lastDue = Math.max(entry.lastDue, newest)
        // The first due time after those handled, when the walk found it: what to arm next
        // (unless the manifest changed meanwhile: arm() then computes it from the new one).
        if (entry.version === version) {
          entry.armedDue = due.length === found.due.length ? found.beyond : found.due[due.length]
        }
        await store.advance(entry.experiment.id, entry.def.name, iso(newest))
        await store.prune(entry.experiment.id, entry.def.name, entry.def.historyLimit)
      }
    } catch (error) {
      // The store failed mid-way: the ticks not recorded yet are recorded failed, with why, as
      // far as the store lets us (a `pending` row settled, a missing one written); then move on
      // to the next tick rather than spin on this one. The next tick's `advance` moves the
      // stored last_due_at past these (it only moves forward).
      const reason = `the scheduler could not record it: ${oneLine(error)}`
      for (const d of unrecorded) {
        const tick = {
          experimentId: entry.experiment.id,
          schedule: entry.def.name,
          dueAt: iso(d.dueAt),
          fireAt: iso(d.fireAt),
          firedAt: iso(clock.now()),
          outcome: 'failed' as const,
          reason,
        }
        try {
          await store.settleTick(tick)
          await store.insertTick(tick)
        } catch {
          // The store is still down: the log line below is all there is.
        }
      }
      entry.lastDue = Math.max(entry.lastDue, newestDue ?? clock.now())
      log(`schedule ${entry.experiment.name}/${entry.def.name}: ${oneLine(error)}`)
    } finally {
      recording.release()
      entry.busy = false
      if (entries.get(entry.key) === entry) {
        arm(entry)
        rearm()
      }
    }
  }

  /** Registers (or refreshes) one experiment's schedules from its current manifest. */
  async function load(
    experiment: ExperimentRef,
    states: Map<string, ScheduleState> | undefined
  ): Promise<Entry[]> {
    let defs: ScheduleDef[]
    try {
      defs = declaredSchedules(experiment.yaml)
    } catch (error) {
      log(
        `experiment ${experiment.name}: its manifest does not validate, so it keeps no schedules: ${oneLine(error)}`
      )
      defs = []
    }
    const now = clock.now()
    const keep = new Set(defs.map((d) => keyOf(experiment.id, d.name)))
    for (const key of byExperiment.get(experiment.id) ?? []) {
      if (!keep.has(key)) {
        const gone = entries.get(key)!
        entries.delete(key)
        await store.forget(experiment.id, gone.def.name, gone.def.historyLimit)
      }
    }
    byExperiment.set(experiment.id, keep)
    const loaded: Entry[] = []
    for (const def of defs) {
      const key = keyOf(experiment.id, def.name)
      const previous = entries.get(key)
      const timing = timingKey(def)
      let state = states?.get(key) ?? (await store.state(experiment.id, def.name))
      if (state === undefined) {
        await store.ensureState(experiment.id, def.name, iso(now), timing)
        state = (await store.state(experiment.id, def.name)) ?? {
          experimentId: experiment.id,
          name: def.name,
          paused: false,
          lastDueAt: iso(now),
          timing,
        }
      }
      let lastDue = state.lastDueAt === undefined ? now : Date.parse(state.lastDueAt)
      const paused = state.paused || def.suspend
      const wasPaused = previous !== undefined && previous.paused
      // A new expression, or a schedule just unsuspended: it starts from now, catching up on
      // nothing it was not meant to run.
      if (state.timing !== timing || (wasPaused && !paused)) {
        lastDue = Math.max(lastDue, now)
        await store.restart(experiment.id, def.name, iso(lastDue), timing)
      }
      const fields = {
        experiment,
        def,
        cron: cronOf(def),
        paused,
        lastDue: previous === undefined ? lastDue : Math.max(previous.lastDue, lastDue),
      }
      let entry: Entry
      if (previous !== undefined) {
        // Updated in place: a tick of it being handled now re-arms it when done.
        entry = Object.assign(previous, fields)
        entry.version += 1
        delete entry.upcoming
        delete entry.armedDue
        delete entry.pausedBy
        delete entry.pausedAt
      } else {
        entry = { key, ...fields, gen: 0, version: 0, busy: false }
        entries.set(key, entry)
      }
      if (state.pausedBy !== undefined) {
        entry.pausedBy = state.pausedBy
      }
      if (state.pausedAt !== undefined) {
        entry.pausedAt = state.pausedAt
      }
      loaded.push(entry)
    }
    return loaded
  }

  const sorted = (list: Entry[]) =>
    list.sort(
      (a, b) =>
        a.experiment.name.localeCompare(b.experiment.name) || a.def.name.localeCompare(b.def.name)
    )

  const api: Scheduler = {
    get size() {
      return entries.size
    },

    async start() {
      // A tick a dead server was starting: it ran if its run was recorded, else it failed;
      // never started again.
      for (const tick of await store.pendingTicks()) {
        const cause = JSON.stringify({
          kind: 'schedule',
          schedule: tick.schedule,
          dueAt: tick.dueAt,
        })
        const runId = await store.runOfCause(tick.experimentId, cause)
        await store.settleTick(
          runId !== undefined
            ? { ...tick, outcome: 'ran', runId }
            : { ...tick, outcome: 'failed', reason: 'the server stopped while starting it' }
        )
      }
      const states = new Map((await store.states()).map((s) => [keyOf(s.experimentId, s.name), s]))
      const loaded: Entry[] = []
      let count = 0
      for (const experiment of await host.experiments()) {
        loaded.push(...(await load(experiment, states)))
        // Loading a manifest costs a millisecond or two: let requests in between.
        if (++count % 100 === 0) {
          await new Promise((resolve) => setImmediate(resolve))
        }
      }
      started = true
      // Changed through the API (or a git sync) while loading: read again now, so nothing is
      // kept from a manifest older than the store's.
      for (const id of changedEarly) {
        await api.experimentChanged(id)
      }
      changedEarly.clear()
      // Missed while the server was down: planned now, at most one run per schedule.
      const now = clock.now()
      const current = [...entries.values()]
      const missed = current.filter((e) => {
        const due = nextDue(e.cron, e.lastDue)
        return !e.paused && due !== undefined && fireAtOf(e, due) <= now
      })
      await handleAll(missed, true)
      for (const entry of current) {
        if (!missed.includes(entry)) {
          arm(entry)
        }
      }
      rearm()
    },

    async experimentChanged(experimentId) {
      if (stopped) {
        return
      }
      if (!started) {
        changedEarly.add(experimentId)
        return
      }
      const experiment = await host.experiment(experimentId)
      if (experiment === undefined) {
        for (const key of byExperiment.get(experimentId) ?? []) {
          entries.delete(key)
        }
        byExperiment.delete(experimentId)
      } else {
        for (const entry of await load(experiment, undefined)) {
          if (!entry.busy) {
            arm(entry)
          }
        }
      }
      rearm()
    },

    async list(experimentId, page = {}) {
      const chosen =
        experimentId === undefined
          ? [...entries.values()]
          : [...(byExperiment.get(experimentId) ?? [])].map((k) => entries.get(k)!)
      const offset = page.offset ?? 0
      const shown = sorted(chosen).slice(offset, offset + (page.limit ?? chosen.length))
      const last = new Map(
        (await store.lastTicks(experimentId)).map((t) => [keyOf(t.experimentId, t.schedule), t])
      )
      // Next ticks cost croner steps (cached per entry until the first passes): computed a
      // slice at a time, yielding between slices, so 10,000 schedules never hold the event
      // loop (and the ticks due meanwhile) for seconds.
      const infos: ScheduleInfo[] = []
      for (let i = 0; i < shown.length; i += LIST_CHUNK) {
        if (i > 0) {
          await new Promise((resolve) => setImmediate(resolve))
        }
        const now = clock.now()
        for (const e of shown.slice(i, i + LIST_CHUNK)) {
          infos.push(scheduleInfo(e, last.get(e.key), now))
        }
      }
      return infos
    },

    async ticks(experimentId, name, limit = DEFAULT_TICK_PAGE) {
      const ticks = await store.ticks(experimentId, name, limit)
      // A schedule removed from its manifest keeps its history (pruned to its historyLimit).
      return ticks.length === 0 && !entries.has(keyOf(experimentId, name)) ? undefined : ticks
    },

    async setPaused(experimentId, name, paused, by) {
      const entry = entries.get(keyOf(experimentId, name))
      if (entry === undefined) {
        return undefined
      }
      if (!paused && entry.def.suspend) {
        throw new HttpError(
          409,
          'conflict',
          `schedule ${name} is suspended in the manifest (suspend: true): change the manifest to resume it`
        )
      }
      const now = clock.now()
      if (paused) {
        entry.paused = true
        entry.pausedBy = by
        entry.pausedAt = iso(now)
        await store.setPaused(experimentId, name, true, by, entry.pausedAt)
      } else if (entry.paused) {
        // Ticks missed while paused are not caught up: the schedule watches from now.
        entry.paused = false
        delete entry.pausedBy
        delete entry.pausedAt
        entry.lastDue = Math.max(entry.lastDue, now)
        delete entry.armedDue
        await store.setPaused(experimentId, name, false, null, null)
        await store.restart(experimentId, name, iso(entry.lastDue), timingKey(entry.def))
      }
      arm(entry)
      rearm()
      const [last] = await store.ticks(experimentId, name, 1)
      return scheduleInfo(entry, last, clock.now())
    },

    async stop() {
      stopped = true
      timer?.handle.cancel()
      timer = undefined
      await Promise.allSettled([...inFlight])
    },
  }
  return api
}
