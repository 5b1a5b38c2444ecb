/**
 * The ingest path every run goes through, whether the agent executes it here or `ordeal run
 * --server` records it from elsewhere: events are buffered and written to the store in
 * batches (one transaction per ~100 ms or 1,000 events, one write at a time per run), and only
 * once stored are they published to live viewers and fed to the metrics. Publishing after the
 * write is what lets an SSE viewer read the backlog from the store and then follow the bus
 * without a gap. Op events (thousands per second under load) go to the store but not to the
 * bus: viewers get their running count instead, at most four times a second.
 * @module
 */
import type { Recorder, RunBus, ServerMetrics } from '../context.js'
import type { RunEnd, Store } from '../store/contract.js'
import type { JournalEvent, Run, RunSummary } from '../../shared/api.js'
import { deriveResult } from '../../engine/result.js'
import { HttpError, notFound } from '../http/route.js'

export interface RecorderDeps {
  store: Store
  bus: RunBus
  metrics: ServerMetrics
  log(line: string): void
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
  buffer: JournalEvent[]
  /** Highest seq in the buffer. */
  bufferMax: number
  /** Settles when the buffered events are stored. */
  next: Deferred
  /** The batch being written: its highest seq and its acknowledgement. */
  writing: { max: number; done: Deferred } | undefined
  timer: NodeJS.Timeout | undefined
  flushing: Promise<void> | undefined
  /** Highest seq accepted (buffered or stored); lower ones are a retried batch's duplicates. */
  accepted: number
  /** Highest seq of a batch the store has written. */
  stored: number
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
        buffer: [],
        bufferMax: -1,
        next: deferred(),
        writing: undefined,
        timer: undefined,
        flushing: undefined,
        accepted: -1,
        stored: -1,
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

  const writeBatch = async (runId: string, state: RunState) => {
    const batch = state.buffer
    const waiters = state.next
    const max = state.bufferMax
    state.buffer = []
    state.bufferMax = -1
    state.next = deferred()
    state.writing = { max, done: waiters }
    // A batch retried after a failed write lands behind newer events: keep viewers in order.
    if (batch.some((event, i) => i > 0 && event.seq < batch[i - 1]!.seq)) {
      batch.sort((a, b) => a.seq - b.seq)
    }
    try {
      const experiment = await state.experiment
      await store.appendEvents(runId, batch)
      state.stored = Math.max(state.stored, max)
      const visible: JournalEvent[] = []
      const run = { id: runId, experiment }
      for (const event of batch) {
        metrics.observe(run, event)
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
      waiters.resolve()
    } catch (error) {
      // Let a retry of the same batch in: it is no duplicate of anything stored.
      state.accepted = state.stored
      if (error instanceof HttpError) {
        // The run is unknown or has ended (checked once per recorder state): a 404/409.
        waiters.reject(error)
      } else {
        deps.log(`run ${runId}: storing ${batch.length} events failed: ${String(error)}`)
        waiters.reject(unavailable(runId))
      }
    } finally {
      state.writing = undefined
    }
  }

  /**
   * A batch whose every seq was accepted before (a retry after a lost response, or a resend
   * while the first copy is still buffered): acknowledged only once the batch holding its
   * highest seq is stored. If that write failed, the client must send it again (503).
   */
  const confirm = async (runId: string, state: RunState, seq: number): Promise<void> => {
    for (;;) {
      if (state.stored >= seq) {
        return
      }
      const pending =
        state.writing && seq <= state.writing.max
          ? state.writing.done
          : state.buffer.length > 0 && seq <= state.bufferMax
            ? state.next
            : undefined
      if (!pending) {
        throw unavailable(runId)
      }
      await pending.promise.catch(() => undefined)
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
    if (state.buffer.length === 0) {
      return Promise.resolve()
    }
    state.flushing = writeBatch(runId, state).finally(() => {
      state.flushing = undefined
      schedule(runId, state)
    })
    return state.flushing
  }

  const schedule = (runId: string, state: RunState) => {
    if (state.flushing || state.buffer.length === 0) {
      return
    }
    if (state.buffer.length >= FLUSH_EVENTS) {
      void flush(runId, state)
    } else if (!state.timer) {
      state.timer = setTimeout(() => void flush(runId, state), FLUSH_MS)
    }
  }

  /** Drains the buffer, including events appended while a write was in progress. */
  const drain = async (runId: string, state: RunState) => {
    while (state.buffer.length > 0 || state.flushing) {
      await (state.flushing ?? flush(runId, state)).catch(() => undefined)
    }
    clearTimeout(state.timer)
    state.timer = undefined
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
      let fresh = false
      let top = -1
      for (const event of events) {
        top = Math.max(top, event.seq)
        if (event.seq > state.accepted) {
          state.accepted = event.seq
          state.bufferMax = Math.max(state.bufferMax, event.seq)
          state.buffer.push(event)
          fresh = true
        }
      }
      if (!fresh) {
        // Nothing new (a retried batch): answer once the copy accepted before is stored.
        return confirm(runId, state, top)
      }
      // The events of this call are stored with the next batch (the buffer is never written
      // partially), so its promise is this call's acknowledgement.
      const stored = state.next.promise
      schedule(runId, state)
      return stored
    },
    finish: (runId) => end(runId),
    interrupt: (runId, reason) => end(runId, reason),
    async flushAll() {
      await Promise.all([...runs].map(([runId, state]) => drain(runId, state)))
    },
  }
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
