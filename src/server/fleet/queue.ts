/**
 * The runs placed on agents until an agent has them: queued with a reason, sent (`run`), then
 * accepted (running: the fleet takes over), rejected, cancelled or timed out. The scheduler
 * (pure) says what to do; this carries it out against the store and the live bus, so every
 * change of a queued run is stored and published (the run page and `ordeal run --agent` follow
 * it), and a run that ends here gets its ended status, its metrics and its bundle deleted.
 * @module
 */
import type { RunBus, ServerMetrics } from '../context.js'
import type { Timers } from './leases.js'
import type { Store } from '../store/contract.js'
import type { RunSummary } from '../../shared/api.js'
import type { AgentConnection } from './connection.js'
import { notPlaced } from './ingest.js'
import type { AgentView } from './placement.js'
import { Scheduler, type QueuedRun } from './scheduler.js'

/** How long a run an agent answered `busy` waits before it is placed again. */
const BUSY_RETRY_MS = 250

export interface RunQueueDeps {
  store: Store
  bus: RunBus
  metrics: ServerMetrics
  log(line: string): void
  failed(what: string): (error: unknown) => void
  now(): number
  /** For the accept deadline of a sent run (the fleet's clock). */
  timers: Timers
  defaultLeaseMs: number
  /** Welcomed connections by agent name. */
  connections: ReadonlyMap<string, AgentConnection>
  /** Every agent as placement sees it, with the slots its connection holds. */
  views(): AgentView[]
  /** A multi-host run whose agents are all free (parts.ts takes it from here). */
  dispatchParts(entry: QueuedRun, parts: Record<string, string>): Promise<void>
}

/** A run sent to an agent is answered within this long (or by its queue deadline) (review #8). */
export const ACCEPT_TIMEOUT_MS = 60_000

export type QueuedEnd = {
  status: 'finished' | 'cancelled'
  verdict: 'error' | 'interrupted'
  reason: string
}

export class RunQueue {
  readonly #scheduler = new Scheduler()
  /** Every run placed and not yet accepted (queued or sent): its placement and deadline. */
  readonly #placed = new Map<string, QueuedRun>()
  stopped = false

  constructor(private readonly deps: RunQueueDeps) {}

  get size(): number {
    return this.#scheduler.size
  }

  /** A run to place (new, or queued before a restart); `evaluate` decides. */
  add(entry: QueuedRun): void {
    this.#placed.set(entry.runId, entry)
    this.#scheduler.enqueue(entry)
  }

  /** Queued or sent and unanswered. */
  has(runId: string): boolean {
    return this.#placed.has(runId)
  }

  /** Its placement and deadline while placed (queued, or sent and unanswered). */
  entry(runId: string): QueuedRun | undefined {
    return this.#placed.get(runId)
  }

  /** A dispatch that could not go out: back in line, nothing stored changed. */
  putBack(entry: QueuedRun): void {
    if (this.#placed.has(entry.runId)) {
      this.#scheduler.enqueue(entry)
    }
  }

  /** `requeue` for a run whose dispatch was not this queue's (a multi-host run's parts). */
  async requeueEntry(entry: QueuedRun, reason: string): Promise<void> {
    this.#placed.set(entry.runId, entry)
    await this.requeue(entry.runId, reason)
  }

  /** An agent took the run on outside a dispatch (its hello reported it): it leaves the queue. */
  forget(runId: string): void {
    this.#placed.delete(runId)
    this.#scheduler.remove(runId)
  }

  async publishStatus(runId: string): Promise<RunSummary | undefined> {
    const run = await this.deps.store.getRunSummary(runId)
    if (run !== undefined) {
      this.deps.bus.publish(runId, { event: 'status', data: run })
    }
    return run
  }

  evaluate(): void {
    if (this.stopped) {
      return
    }
    const { failed } = this.deps
    for (const action of this.#scheduler.evaluate(this.deps.now(), this.deps.views())) {
      switch (action.type) {
        case 'dispatch':
          void this.#dispatch(action.runId, action.agent).catch(
            failed(`dispatching ${action.runId}`)
          )
          break
        case 'dispatch-parts': {
          const entry = this.#placed.get(action.runId)
          if (entry !== undefined) {
            void this.deps
              .dispatchParts(entry, action.parts)
              .catch(failed(`dispatching ${action.runId}`))
          }
          break
        }
        case 'reason':
          void this.deps.store
            .setQueueReason(action.runId, action.reason)
            .then(() => this.publishStatus(action.runId))
            .catch(failed(`run ${action.runId}: queue reason`))
          break
        case 'timeout':
          this.deps.log(`run ${action.runId}: ${action.reason}`)
          void this.#end(action.runId, {
            status: 'finished',
            verdict: 'error',
            reason: action.reason,
          }).catch(failed(`run ${action.runId}: queue timeout`))
          break
      }
    }
  }

  /** Back to the queue (its agent dropped it unanswered), same place in line and deadline. */
  async requeue(runId: string, reason: string): Promise<void> {
    const entry = this.#placed.get(runId)
    if (entry !== undefined && (await this.deps.store.requeue(runId, reason))) {
      this.#scheduler.enqueue({ ...entry, reason })
      await this.publishStatus(runId)
    }
  }

  /**
   * The agent answered `accepted`: the run is `running` (the caller takes it on, with its
   * summary). Undefined when it was not sent to this agent (403) or was cancelled meanwhile.
   */
  async accepted(conn: AgentConnection, runId: string): Promise<RunSummary | undefined> {
    if (!conn.pending.delete(runId)) {
      conn.send(notPlaced(runId, conn.name))
      return undefined
    }
    const at = new Date(this.deps.now()).toISOString()
    if (!(await this.deps.store.markRunning(runId, conn.name, at))) {
      // Cancelled while it was on its way: the agent stops it.
      conn.send({ type: 'abort', runId, reason: 'the run was cancelled before it started' })
      return undefined
    }
    this.#placed.delete(runId)
    return this.publishStatus(runId)
  }

  async rejected(
    conn: AgentConnection,
    runId: string,
    reason: string,
    busy = false
  ): Promise<void> {
    if (!conn.pending.delete(runId)) {
      conn.send(notPlaced(runId, conn.name))
      return
    }
    if (busy) {
      // Its slot is still taken by a run that is ending there: the run waits for a slot again,
      // a moment later (at once would send it straight back to the same agent).
      const timer = setTimeout(() => {
        void this.requeue(runId, `agent ${conn.name} is busy (${reason}); waiting for a free slot`)
          .then(() => this.evaluate())
          .catch(this.deps.failed(`run ${runId}: requeue`))
      }, BUSY_RETRY_MS)
      timer.unref()
      return
    }
    const line = `agent ${conn.name} could not start the run: ${reason}`
    this.deps.log(`run ${runId}: ${line}`)
    await this.#end(runId, { status: 'finished', verdict: 'error', reason: line })
    this.evaluate()
  }

  /**
   * Cancels a queued (or sent, unanswered) run: `cancelled`, verdict interrupted. Undefined
   * when the run is not in the queue (it may be running on an agent).
   */
  async cancel(runId: string, reason: string): Promise<boolean | undefined> {
    if (this.#scheduler.remove(runId) === undefined && !this.#placed.has(runId)) {
      return undefined
    }
    for (const conn of this.deps.connections.values()) {
      if (conn.pending.has(runId)) {
        // Sent, not answered: still queued in the store; the agent drops it.
        conn.send({ type: 'abort', runId, reason })
      }
    }
    return this.#end(runId, { status: 'cancelled', verdict: 'interrupted', reason })
  }

  /** Ends a `queued` run this queue does not hold (held at start, never placed): see `#end`. */
  async endQueued(runId: string, end: QueuedEnd): Promise<boolean> {
    this.#scheduler.remove(runId)
    return this.#end(runId, end)
  }

  async #dispatch(runId: string, agent: string): Promise<void> {
    const { store } = this.deps
    const conn = this.deps.connections.get(agent)
    const entry = this.#placed.get(runId)
    // Never send a run back to the agent whose hello reported it (it holds or forgot it).
    const reported = conn?.hello?.runs.some((run) => run.runId === runId) === true
    if (conn?.ready !== true || entry === undefined || reported) {
      if (entry !== undefined) {
        this.#scheduler.enqueue(entry)
      }
      return
    }
    // The slot is taken before the first await, so the next evaluation sees it.
    conn.pending.add(runId)
    try {
      const sent = `sent to ${agent}, waiting for it to start the run`
      if (!(await store.markDispatched(runId, agent, sent))) {
        // Cancelled or timed out meanwhile.
        conn.pending.delete(runId)
        this.#placed.delete(runId)
        return
      }
      const run = await this.publishStatus(runId)
      const version =
        run && (await store.getExperimentVersion(run.experimentId, run.experimentVersion))
      if (run === undefined || version === undefined) {
        throw new Error(`run ${runId} or its experiment version is gone`)
      }
      const bundle = await store.getBundle(runId)
      if (!conn.pending.has(runId)) {
        return // the connection closed meanwhile: its close handler requeued the run
      }
      conn.send({
        type: 'run',
        runId,
        experiment: run.experimentName,
        yaml: version.yaml,
        vars: bundle?.vars ?? {},
        ...(bundle?.data !== undefined ? { bundle: bundle.data } : {}),
        leaseMs: run.leaseMs ?? this.deps.defaultLeaseMs,
        startedBy: run.startedByName,
      })
      this.deps.log(`run ${runId} sent to agent ${agent}`)
      this.#armAcceptDeadline(
        conn,
        runId,
        Math.min(entry.deadline, this.deps.now() + ACCEPT_TIMEOUT_MS)
      )
    } catch (error) {
      if (conn.pending.delete(runId)) {
        await this.requeue(runId, `could not be sent to ${agent}; waiting for an agent again`)
      }
      throw error
    }
  }

  /**
   * An agent that answers pings but never `run` must not hold the run (and a slot) forever: at
   * the deadline the agent is told to drop it and the run goes back to the queue, where its own
   * queue deadline still applies.
   */
  #armAcceptDeadline(conn: AgentConnection, runId: string, at: number): void {
    const waitedMs = Math.max(0, at - this.deps.now())
    this.deps.timers.set(() => {
      if (this.stopped || !conn.pending.delete(runId)) {
        return // answered, or the connection dropped (its close handler requeued the run)
      }
      const reason = `agent ${conn.name} did not answer within ${Math.round(waitedMs / 1000)} s`
      this.deps.log(`run ${runId}: ${reason}`)
      conn.send({ type: 'abort', runId, reason: `${reason}; the run goes to another agent` })
      void this.requeue(runId, `${reason}; waiting for an agent again`)
        .then(() => this.evaluate())
        .catch(this.deps.failed(`run ${runId}: requeue`))
    }, waitedMs)
  }

  /** A run that ends without a journal: its ended status out, the metrics, the bundle gone. */
  async #end(runId: string, end: QueuedEnd): Promise<boolean> {
    const { store } = this.deps
    const endedAt = new Date(this.deps.now()).toISOString()
    if (!(await store.endQueued(runId, { ...end, score: 0, endedAt }))) {
      return false
    }
    this.#placed.delete(runId)
    const run = await this.publishStatus(runId)
    if (run !== undefined) {
      this.deps.metrics.runEnded(run)
    }
    await store.deleteBundle(runId)
    return true
  }
}
