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
import type { Store } from '../store/contract.js'
import type { JournalEvent, Run, RunSummary } from '../../shared/api.js'
import { deriveResult } from '../../engine/result.js'

export interface RecorderDeps {
  store: Store
  bus: RunBus
  metrics: ServerMetrics
  log(line: string): void
}

/** The agent also tells the recorder the experiment name upfront (no store read per run). */
export interface RunRecorder extends Recorder {
  track(runId: string, experimentName: string): void
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
  experiment: Promise<string>
  buffer: JournalEvent[]
  /** Settles when the buffered events are stored. */
  next: Deferred
  timer: NodeJS.Timeout | undefined
  flushing: Promise<void> | undefined
  /** Highest seq accepted (buffered or stored); lower ones are a retried batch's duplicates. */
  accepted: number
  stored: number
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
      const experiment =
        experimentName !== undefined
          ? Promise.resolve(experimentName)
          : store.getRun(runId).then((run) => run?.experimentName ?? 'unknown')
      experiment.catch(() => undefined)
      state = {
        experiment,
        buffer: [],
        next: deferred(),
        timer: undefined,
        flushing: undefined,
        accepted: -1,
        stored: -1,
        ops: 0,
        opsSent: 0,
        opsAt: 0,
        opsTimer: undefined,
      }
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
    state.buffer = []
    state.next = deferred()
    try {
      const experiment = await state.experiment
      await store.appendEvents(runId, batch)
      state.stored = Math.max(state.stored, batch[batch.length - 1]?.seq ?? -1)
      const visible: JournalEvent[] = []
      for (const event of batch) {
        metrics.observe(experiment, event)
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
      deps.log(`run ${runId}: storing ${batch.length} events failed: ${String(error)}`)
      waiters.reject(error)
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

  const readJournal = async (runId: string) => {
    const events: JournalEvent[] = []
    for (;;) {
      const page = await store.listEvents(runId, {
        after: events[events.length - 1]?.seq ?? -1,
        limit: READ_PAGE,
      })
      events.push(...page)
      if (page.length < READ_PAGE) {
        return events
      }
    }
  }

  return {
    track(runId, experimentName) {
      stateOf(runId, experimentName)
    },
    append(runId, events) {
      const state = stateOf(runId)
      for (const event of events) {
        if (event.seq > state.accepted) {
          state.accepted = event.seq
          state.buffer.push(event)
        }
      }
      if (state.buffer.length === 0) {
        // Nothing new (a retried batch): answer once what is pending is stored.
        return state.flushing ?? Promise.resolve()
      }
      // The events of this call are stored with the next batch (the buffer is never written
      // partially), so its promise is this call's acknowledgement.
      const stored = state.next.promise
      schedule(runId, state)
      return stored
    },
    async finish(runId) {
      const state = runs.get(runId)
      if (state) {
        await drain(runId, state)
        clearTimeout(state.opsTimer)
        state.opsAt = 0
        publishOps(runId, state)
        runs.delete(runId)
      }
      const end = await endOf(runId, await readJournal(runId))
      const first = await store.finishRun(runId, end)
      const run = await store.getRun(runId)
      if (!run) {
        throw new Error(`run ${runId} not found`)
      }
      const summary = summaryOf(run)
      if (first) {
        metrics.runEnded(summary)
        bus.publish(runId, { event: 'status', data: summary })
      }
      return summary
    },
  }
}

async function endOf(runId: string, events: JournalEvent[]) {
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
