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
}

/** The agent also tells the recorder the experiment name upfront (no store read per run). */
export interface RunRecorder extends Recorder {
  track(runId: string, experimentName: string): void
  /** Stores what every run has buffered (shutdown: before the store closes). */
  flushAll(): Promise<void>
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
  /** To be written by the next batch, by seq (an event sent twice is written once). */
  buffer: Map<number, JournalEvent>
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
  const runs = new Map<string, RunState>()

  const stateOf = (runId: string, experimentName?: string): RunState => {
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
        tracked: experimentName !== undefined,
        buffer: new Map(),
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
    return summary
  }

  return {
    track(runId, experimentName) {
      stateOf(runId, experimentName)
    },
    append(runId, events) {
      const state = stateOf(runId)
      if (state.ended) {
        return Promise.reject(new HttpError(409, 'conflict', `run ${runId} has ended`))
      }
      const limit = state.window.released + MAX_AHEAD
      const far = events.find((event) => event.seq > limit)
      if (far) {
        // Refused whole, before anything is buffered: the client sends the missing ones first.
        return Promise.reject(tooFarAhead(runId, state.window.released + 1, far.seq))
      }
      let unstored = false
      for (const event of events) {
        if (!state.window.has(event.seq)) {
          unstored = true
          // Also when a write holding it is in flight: that write may yet fail.
          if (!state.buffer.has(event.seq)) {
            state.buffer.set(event.seq, event)
          }
        }
      }
      if (!unstored) {
        // Every event is stored already (a retried batch whose answer was lost).
        return Promise.resolve()
      }
      // The events of this call are written with the next batch (the buffer is never written
      // partially), so its promise is this call's acknowledgement.
      const stored = state.next.promise
      schedule(runId, state)
      return stored
    },
    releasedSeq(runId) {
      return runs.get(runId)?.window.released ?? Number.POSITIVE_INFINITY
    },
    finish: (runId) => end(runId),
    interrupt: (runId, reason) => end(runId, reason),
    async flushAll() {
      await Promise.all([...runs].map(([runId, state]) => drain(runId, state)))
    },
  }
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
