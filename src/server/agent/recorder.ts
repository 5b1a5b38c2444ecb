/**
 * The ingest path every run goes through, whether the agent executes it here or `ordeal run
 * --server` records it from elsewhere: events are buffered and written to the store in
 * batches (one transaction per ~100 ms or 1,000 events, one write at a time per run), and a
 * call is acknowledged only once a write holding every one of its events has committed.
 * Storage is idempotent per (run, seq), so batches may come in any order, twice, or from
 * concurrent writers: what is known stored is the set of seqs written, never a high-water mark.
 *
 * Only stored events go to live viewers and the metrics, and only in seq order: events stored
 * past a gap are held (see SeqWindow) until it is filled. That is what lets an SSE viewer read
 * the backlog up to `releasedSeq` from the store and then follow the bus without a gap or a
 * duplicate. Op events (thousands per second under load) go to the store but not to the bus:
 * viewers get their running count instead, at most four times a second.
 * @module
 */
import type { Recorder, RunBus, ServerMetrics } from '../context.js'
import { isDeepStrictEqual } from 'node:util'
import type { RunEnd, Store } from '../store/contract.js'
import type { JournalEvent, Run, RunSummary } from '../../shared/api.js'
import { deriveResult } from '../../engine/result.js'
import { HttpError, notFound } from '../http/route.js'
import { SeqWindow } from './seq-window.js'

export interface RecorderDeps {
  store: Store
  bus: RunBus
  metrics: ServerMetrics
  log(line: string): void
  /** How long events wait to be batched (default 100 ms); tests shorten it. */
  flushMs?: number
  /**
   * Events accepted but not yet released, over all runs (held past a gap, or waiting to be
   * written), past which a batch that would add to those held past a gap is refused (503,
   * Retry-After); batches that continue a run in order still flow. Default MAX_HELD.
   */
  maxHeld?: number
  /** A recorded run that receives nothing for this long is ended interrupted. Default IDLE_MS. */
  idleMs?: number
  /** The clock of the idle timeout (tests inject one and call `sweepIdle`). */
  now?: () => number
}

/** The agent also tells the recorder the experiment name upfront (no store read per run). */
export interface RunRecorder extends Recorder {
  track(runId: string, experimentName: string): void
  /** Stores what every run has buffered (shutdown: before the store closes); stops the sweep. */
  flushAll(): Promise<void>
  /** Ends every recorded run idle for the idle timeout (a timer calls it); returns their ids. */
  sweepIdle(): Promise<string[]>
}

const FLUSH_MS = 100
const FLUSH_EVENTS = 1000
const OPS_MS = 250
/** Page size when reading a journal back to derive the result. */
const READ_PAGE = 10_000
/**
 * How far past the first missing seq an event may be. Events stored past a gap are held in
 * memory until it is filled; this bounds them (a client sends in order, a few batches apart).
 */
export const MAX_AHEAD = 100_000
/**
 * The cap on events accepted but not released, over all runs (see RecorderDeps.maxHeld): with
 * many recorded runs each holding up to MAX_AHEAD past a gap, memory had no bound (issue 12).
 */
export const MAX_HELD = 200_000
/** Retry-After (seconds) of a batch refused for the global cap. */
const HELD_RETRY_S = 2
/** A recording that sends nothing for 10 minutes is taken as abandoned. */
export const IDLE_MS = 10 * 60_000
/** An agent run's failed write is retried after this long (nobody else will resend it). */
const RETRY_MS = 1000
/** Writes tried when a run ends before its buffered events are given up. */
const END_ATTEMPTS = 3

interface Deferred {
  promise: Promise<void>
  resolve(): void
  reject(error: unknown): void
}

function deferred(): Deferred {
  let resolve!: () => void
  let reject!: (error: unknown) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  // Nobody may be waiting on a given flush (the agent's appends are fire-and-forget).
  promise.catch(() => undefined)
  return { promise, resolve, reject }
}

interface RunState {
  /** Rejects (404/409) when the run is unknown or no longer running: no events are stored. */
  experiment: Promise<string>
  /** An agent run: nobody resends its events, so a failed write is retried here. */
  tracked: boolean
  /**
   * A run on a remote agent (`watchAgentRun`): never swept as idle (its lease decides), and
   * a failed write is not retried here (the agent resends from its last ack).
   */
  remote: boolean
  /** To be written by the next batch, by seq (an event sent twice is written once). */
  buffer: Map<number, JournalEvent>
  /** The batch being written, by seq (not yet known stored). */
  writing: Map<number, JournalEvent> | undefined
  /** When the recorded run last got a call (the idle timeout counts from here). */
  activeAt: number
  /** Settles when the buffered events are stored (or could not be). */
  next: Deferred
  timer: NodeJS.Timeout | undefined
  flushing: Promise<void> | undefined
  /** Consecutive failed writes. */
  failures: number
  /** What is stored, and what of it was released to the bus and metrics. */
  window: SeqWindow<JournalEvent>
  /** Set when the run starts ending: later events are refused (409), not stored. */
  ended: boolean
  ops: number
  opsSent: number
  opsAt: number
  opsTimer: NodeJS.Timeout | undefined
}

export function summaryOf(run: Run | RunSummary): RunSummary {
  const { result: _result, eventCount: _count, ...summary } = run as Run
  return summary
}

export function createRecorder(deps: RecorderDeps): RunRecorder {
  const { store, bus, metrics } = deps
  const now = deps.now ?? Date.now
  const maxHeld = deps.maxHeld ?? MAX_HELD
  const idleMs = deps.idleMs ?? IDLE_MS
  const runs = new Map<string, RunState>()

  const stateOf = (runId: string, experimentName?: string, tracked = false): RunState => {
    let state = runs.get(runId)
    if (!state) {
      // Untracked (a recorded run): the store says whether it may still take events. A run
      // that ended frees its state, so a late batch lands here and must be refused, not
      // quietly given a new state and stored.
      const experiment =
        experimentName !== undefined
          ? Promise.resolve(experimentName)
          : store.getRunSummary(runId).then((run) => {
              if (!run) {
                throw notFound(`run ${runId}`)
              }
              if (run.status !== 'running') {
                throw hasEnded(run)
              }
              return run.experimentName
            })
      const created: RunState = {
        experiment,
        tracked,
        remote: false,
        buffer: new Map(),
        writing: undefined,
        activeAt: now(),
        next: deferred(),
        timer: undefined,
        flushing: undefined,
        failures: 0,
        window: new SeqWindow(),
        ended: false,
        ops: 0,
        opsSent: 0,
        opsAt: 0,
        opsTimer: undefined,
      }
      experiment.catch(() => {
        created.ended = true
        if (runs.get(runId) === created) {
          runs.delete(runId)
        }
      })
      state = created
      runs.set(runId, state)
    }
    return state
  }

  const publishOps = (runId: string, state: RunState) => {
    clearTimeout(state.opsTimer)
    state.opsTimer = undefined
    if (state.ops === state.opsSent) {
      return
    }
    const wait = state.opsAt + OPS_MS - Date.now()
    if (wait > 0) {
      state.opsTimer = setTimeout(() => publishOps(runId, state), wait)
      return
    }
    state.opsSent = state.ops
    state.opsAt = Date.now()
    bus.publish(runId, { event: 'ops', data: { count: state.ops } })
  }

  /** Hands released events (in seq order) to the metrics and the live viewers. */
  const release = (runId: string, state: RunState, experiment: string, events: JournalEvent[]) => {
    if (events.length === 0) {
      return
    }
    const visible: JournalEvent[] = []
    const run = { id: runId, experiment }
    for (const event of events) {
      try {
        metrics.observe(run, event)
      } catch (error) {
        // A gauge is not worth the live view: the event is stored and still published.
        deps.log(`run ${runId}: metrics skipped event ${event.seq}: ${String(error)}`)
      }
      if (event.type === 'op') {
        state.ops++
      } else {
        visible.push(event)
      }
    }
    if (visible.length > 0) {
      bus.publish(runId, { event: 'journal', data: visible })
    }
    publishOps(runId, state)
  }

  const writeBatch = async (runId: string, state: RunState) => {
    const batch = [...state.buffer.values()].sort((a, b) => a.seq - b.seq)
    const waiters = state.next
    state.writing = state.buffer
    state.buffer = new Map()
    state.next = deferred()
    try {
      const experiment = await state.experiment
      // One transaction: the whole batch is stored or none of it.
      await store.appendEvents(runId, batch)
      state.failures = 0
      waiters.resolve()
      release(runId, state, experiment, state.window.add(batch))
    } catch (error) {
      if (error instanceof HttpError) {
        // The run is unknown or has ended (checked once per recorder state): a 404/409.
        waiters.reject(error)
        return
      }
      state.failures++
      deps.log(`run ${runId}: storing ${batch.length} events failed: ${String(error)}`)
      if (state.tracked && state.buffer.size + batch.length <= MAX_AHEAD) {
        // Nobody resends an agent run's events: keep them for the next write (within the
        // bound on held events: a store down for long loses events, not the server's memory).
        for (const event of batch) {
          if (!state.buffer.has(event.seq)) {
            state.buffer.set(event.seq, event)
          }
        }
      }
      waiters.reject(unavailable(runId))
    } finally {
      state.writing = undefined
    }
  }

  /**
   * One write at a time per run: events that arrive meanwhile wait for the next batch, which
   * goes at once when it is already full and on the timer otherwise (batches stay large under
   * load instead of degrading into one transaction per handful of events).
   */
  const flush = (runId: string, state: RunState): Promise<void> => {
    clearTimeout(state.timer)
    state.timer = undefined
    if (state.flushing) {
      return state.flushing
    }
    if (state.buffer.size === 0) {
      return Promise.resolve()
    }
    state.flushing = writeBatch(runId, state).finally(() => {
      state.flushing = undefined
      schedule(runId, state)
    })
    return state.flushing
  }

  const schedule = (runId: string, state: RunState) => {
    if (state.flushing || state.buffer.size === 0) {
      return
    }
    // An agent run's events that failed to store are retried after a pause; a recorded run's
    // client resends on its own schedule.
    const retrying = state.tracked && state.failures > 0
    if (state.buffer.size >= FLUSH_EVENTS && !retrying) {
      void flush(runId, state)
    } else if (!state.timer) {
      const delay = retrying ? RETRY_MS : (deps.flushMs ?? FLUSH_MS)
      state.timer = setTimeout(() => void flush(runId, state), delay)
    }
  }

  /** Drains the buffer, including events appended while a write was in progress. */
  const drain = async (runId: string, state: RunState) => {
    let failed = 0
    while ((state.buffer.size > 0 || state.flushing) && failed < END_ATTEMPTS) {
      const before = state.failures
      await (state.flushing ?? flush(runId, state)).catch(() => undefined)
      if (state.failures > before) {
        failed++
      }
    }
    clearTimeout(state.timer)
    state.timer = undefined
    if (state.buffer.size > 0) {
      deps.log(`run ${runId}: ${state.buffer.size} events could not be stored; giving up`)
      state.buffer = new Map()
      state.next.reject(unavailable(runId))
    }
  }

  // deriveResult never reads op events (load results come from load.ended), and a long load
  // run has millions of them: leave them in the store.
  const readJournal = async (runId: string) => {
    const events: JournalEvent[] = []
    for (;;) {
      const page = await store.listEvents(runId, {
        after: events[events.length - 1]?.seq ?? -1,
        limit: READ_PAGE,
        excludeTypes: ['op'],
      })
      events.push(...page)
      if (page.length < READ_PAGE) {
        return events
      }
    }
  }

  /**
   * Ends the run: what was accepted is stored first, later events are refused, the per-run
   * state is freed. `interruptedBy` ends it as interrupted (an abort) instead of derived.
   */
  const end = async (runId: string, interruptedBy?: string): Promise<RunSummary> => {
    const state = runs.get(runId)
    if (state) {
      state.ended = true
      await drain(runId, state)
      // No gap will be filled now: what was held behind one is released as it is.
      const experiment = await state.experiment.catch(() => undefined)
      if (experiment !== undefined) {
        release(runId, state, experiment, state.window.drain())
      }
      clearTimeout(state.opsTimer)
      state.opsAt = 0
      publishOps(runId, state)
      if (runs.get(runId) === state) {
        runs.delete(runId)
      }
    }
    const derived = endOf(runId, await readJournal(runId))
    const first = await store.finishRun(
      runId,
      interruptedBy === undefined ? derived : interrupted(derived, interruptedBy)
    )
    const summary = await store.getRunSummary(runId)
    if (!summary) {
      throw notFound(`run ${runId}`)
    }
    if (first) {
      metrics.runEnded(summary)
      bus.publish(runId, { event: 'status', data: summary })
    }
    if (summary.source === 'agent') {
      // What the run shipped to its agent (variables, files) is kept only until it ends.
      await store.deleteBundle(runId).catch((error: unknown) => {
        deps.log(`run ${runId}: could not delete its bundle: ${String(error)}`)
      })
    }
    return summary
  }

  /** Events accepted and not yet released, over all runs: what the global cap bounds. */
  const heldTotal = () => {
    let total = 0
    for (const state of runs.values()) {
      total += state.window.held + state.buffer.size + (state.writing?.size ?? 0)
    }
    return total
  }

  /**
   * How many of these new events would wait past a gap: those beyond where the run's seqs,
   * counting this batch, stop being contiguous. Only worked out near the cap (it walks seqs).
   */
  const aheadOf = (state: RunState, fresh: Map<number, JournalEvent>) => {
    const last = Math.max(...fresh.keys())
    let next = state.window.released + 1
    while (
      next <= last &&
      (fresh.has(next) ||
        state.buffer.has(next) ||
        state.writing?.has(next) === true ||
        state.window.has(next))
    ) {
      next++
    }
    let ahead = 0
    for (const seq of fresh.keys()) {
      if (seq >= next) {
        ahead++
      }
    }
    return ahead
  }

  /**
   * The same seq sent again must carry the same event: the first copy stored is the one kept,
   * so a different one is refused (409), not acknowledged as if stored. Only seqs already known
   * are compared; those released are read back from the store (a resend after a lost answer).
   */
  const conflictOf = async (
    runId: string,
    state: RunState,
    sent: Map<number, JournalEvent>
  ): Promise<number | undefined> => {
    const released: number[] = []
    for (const [seq, event] of sent) {
      const known = state.buffer.get(seq) ?? state.writing?.get(seq) ?? state.window.heldEvent(seq)
      if (known) {
        if (!sameEvent(known, event)) {
          return seq
        }
      } else if (seq <= state.window.released) {
        released.push(seq)
      }
    }
    released.sort((a, b) => a - b)
    for (let i = 0; i < released.length;) {
      // One read per contiguous range of seqs (a resent batch is one range).
      let j = i
      while (j + 1 < released.length && released[j + 1] === released[j]! + 1) {
        j++
      }
      const from = released[i]!
      const stored = await store.listEvents(runId, {
        after: from - 1,
        until: released[j],
        limit: j - i + 1,
      })
      for (const event of stored) {
        if (!sameEvent(event, sent.get(event.seq)!)) {
          return event.seq
        }
      }
      i = j + 1
    }
    return undefined
  }

  const append = async (runId: string, events: readonly JournalEvent[]): Promise<void> => {
    const state = stateOf(runId)
    state.activeAt = now()
    if (state.ended) {
      throw new HttpError(409, 'conflict', `run ${runId} has ended`)
    }
    const limit = state.window.released + MAX_AHEAD
    const far = events.find((event) => event.seq > limit)
    if (far) {
      // Refused whole, before anything is buffered: the client sends the missing ones first.
      throw tooFarAhead(runId, state.window.released + 1, far.seq)
    }
    const sent = new Map<number, JournalEvent>()
    for (const event of events) {
      const twice = sent.get(event.seq)
      if (twice && !sameEvent(twice, event)) {
        throw seqConflict(runId, event.seq)
      }
      sent.set(event.seq, event)
    }
    const known = [...sent.keys()].some(
      (seq) => state.window.has(seq) || state.buffer.has(seq) || state.writing?.has(seq) === true
    )
    if (known) {
      const conflict = await conflictOf(runId, state, sent)
      if (conflict !== undefined) {
        throw seqConflict(runId, conflict)
      }
      if (state.ended) {
        throw new HttpError(409, 'conflict', `run ${runId} has ended`)
      }
    }
    const fresh = new Map([...sent].filter(([seq]) => !state.window.has(seq)))
    if (fresh.size === 0) {
      // Every event is stored already (a retried batch whose answer was lost).
      return
    }
    if (heldTotal() + fresh.size > maxHeld) {
      const ahead = aheadOf(state, fresh)
      if (ahead > 0 && heldTotal() + ahead > maxHeld) {
        throw overHeldCap(runId, state.window.released + 1, maxHeld)
      }
    }
    for (const [seq, event] of fresh) {
      // Also when a write holding it is in flight: that write may yet fail.
      if (!state.buffer.has(seq)) {
        state.buffer.set(seq, event)
      }
    }
    // The events of this call are written with the next batch (the buffer is never written
    // partially), so its promise is this call's acknowledgement.
    const stored = state.next.promise
    schedule(runId, state)
    return stored
  }

  /**
   * The late report of an agent run whose lease lapsed (the run is already ended
   * `interrupted`, `late_report` set): stored idempotently and published as it comes; no
   * recorder state is kept for it (it is not live any more).
   */
  const appendLate = async (runId: string, events: readonly JournalEvent[]): Promise<void> => {
    if (!(await store.isLateReport(runId))) {
      const run = await store.getRunSummary(runId)
      throw run ? hasEnded(run) : notFound(`run ${runId}`)
    }
    const sorted = [...events].sort((a, b) => a.seq - b.seq)
    await store.appendEvents(runId, sorted)
    const visible = sorted.filter((event) => event.type !== 'op')
    if (visible.length > 0) {
      bus.publish(runId, { event: 'journal', data: visible })
    }
  }

  /**
   * Once the late report's `run.ended` is stored: the result is derived again from the whole
   * journal, the status stays `interrupted` (the server did lose the run), and the reason says
   * the report came late. Idempotent: a second call answers the run as it is.
   */
  const finishLate = async (runId: string): Promise<RunSummary> => {
    const before = await store.getRunSummary(runId)
    if (!before) {
      throw notFound(`run ${runId}`)
    }
    const derived = endOf(runId, await readJournal(runId))
    const reason = `${derived.result?.reason ?? before.reason ?? 'interrupted'}${LATE_SUFFIX}`
    // The verdict stays `interrupted` too: the status, the verdict and the exit code that
    // `ordeal run --agent` gave at the lapse agree; the reason carries the late report.
    const updated = await store.updateRunEnd(runId, {
      ...derived,
      status: 'interrupted',
      verdict: 'interrupted',
      reason,
      ...(derived.result === undefined
        ? {}
        : { result: { ...derived.result, verdict: 'interrupted' as const, reason } }),
    })
    const summary = (await store.getRunSummary(runId)) ?? before
    if (updated) {
      deps.log(`run ${runId}: the agent's late report is in (${summary.verdict ?? 'no verdict'})`)
      bus.publish(runId, { event: 'status', data: summary })
    }
    return summary
  }

  const sweepIdle = async (): Promise<string[]> => {
    const idle = [...runs].filter(
      ([, state]) =>
        !state.tracked && !state.remote && !state.ended && now() - state.activeAt >= idleMs
    )
    const ended: string[] = []
    for (const [runId] of idle) {
      try {
        await end(
          runId,
          `no events for ${Math.round(idleMs / 1000)} s: the recording was abandoned`
        )
        deps.log(`run ${runId}: interrupted, no events for ${Math.round(idleMs / 1000)} s`)
        ended.push(runId)
      } catch (error) {
        // Ended meanwhile (finished, aborted): nothing to interrupt.
        deps.log(`run ${runId}: idle timeout: ${String(error)}`)
      }
    }
    return ended
  }
  const sweeper = setInterval(() => void sweepIdle(), Math.max(1000, Math.min(idleMs / 4, 60_000)))
  sweeper.unref()

  return {
    track(runId, experimentName) {
      stateOf(runId, experimentName, true)
    },
    watch(runId, experimentName) {
      stateOf(runId, experimentName).activeAt = now()
    },
    append,
    releasedSeq(runId) {
      return runs.get(runId)?.window.released ?? Number.POSITIVE_INFINITY
    },
    finish: (runId) => end(runId),
    interrupt: (runId, reason) => end(runId, reason),
    watchAgentRun(runId, experimentName) {
      const known = runs.get(runId)
      if (known) {
        known.remote = true
        return
      }
      const state = stateOf(runId, experimentName)
      state.remote = true
      // A run resumed after a server restart is partly stored: its window starts where the
      // stored seqs stop being contiguous, so the agent's resend from there is released at
      // once, not held behind seqs that will never come again. Batches wait for this (every
      // write awaits `experiment`), so no event is added to the window before it is set.
      state.experiment = store.contiguousSeq(runId).then((stored) => {
        if (stored >= 0 && state.window.released < stored && state.window.held === 0) {
          state.window = new SeqWindow(stored)
        }
        return experimentName
      })
      state.experiment.catch(() => undefined)
    },
    appendLate: (runId, events) => appendLate(runId, events),
    finishLate: (runId) => finishLate(runId),
    async flushAll() {
      clearInterval(sweeper)
      await Promise.all([...runs].map(([runId, state]) => drain(runId, state)))
    },
    sweepIdle,
  }
}

/** What a late report adds to the run's reason (issue 14 §5). */
export const LATE_SUFFIX = "; the agent's report arrived late"

/** Equal as stored: compared as JSON (what the store keeps), whatever the key order. */
function sameEvent(a: JournalEvent, b: JournalEvent): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)))
}

function seqConflict(runId: string, seq: number): HttpError {
  return new HttpError(
    409,
    'conflict',
    `run ${runId}: seq ${seq} was already sent with different content; the first copy is kept`
  )
}

function overHeldCap(runId: string, missing: number, cap: number): HttpError {
  return new HttpError(
    503,
    'unavailable',
    `run ${runId}: the server holds ${cap} events past gaps over all runs; send the missing events from seq ${missing} first, then retry`,
    HELD_RETRY_S
  )
}

function tooFarAhead(runId: string, missing: number, seq: number): HttpError {
  return new HttpError(
    503,
    'unavailable',
    `run ${runId}: seq ${seq} is more than ${MAX_AHEAD} past seq ${missing}, which is missing; send the missing events first, then retry`
  )
}

function unavailable(runId: string): HttpError {
  return new HttpError(503, 'unavailable', `the events of run ${runId} could not be stored; retry`)
}

function hasEnded(run: RunSummary): HttpError {
  return new HttpError(409, 'conflict', `run ${run.id} has ended (${run.status})`)
}

/** An aborted recording: interrupted whatever its journal says, with who aborted it. */
function interrupted(end: RunEnd, reason: string): RunEnd {
  return {
    ...end,
    status: 'interrupted',
    verdict: 'interrupted',
    reason,
    endedAt: new Date().toISOString(),
    ...(end.result === undefined
      ? {}
      : { result: { ...end.result, verdict: 'interrupted' as const, reason } }),
  }
}

function endOf(runId: string, events: JournalEvent[]): RunEnd {
  const endedAt = new Date().toISOString()
  try {
    const result = deriveResult(events)
    return {
      status: 'finished' as const,
      verdict: result.verdict,
      score: result.resilienceScore,
      ...(result.reason === undefined ? {} : { reason: result.reason }),
      endedAt: result.endedAt || endedAt,
      result,
    }
  } catch (error) {
    // A run whose journal cannot be read back (no run.started) cannot be scored.
    return {
      status: 'finished' as const,
      verdict: 'error' as const,
      score: 0,
      reason: `run ${runId}: ${(error as Error).message}`,
      endedAt,
    }
  }
}
