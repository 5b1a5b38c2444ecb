/**
 * What every route handler can reach: the store, the embedded agent that executes runs, the
 * live bus that fans run events out to SSE clients, the metrics and the hub templates. The
 * interfaces live here so routes depend on contracts, not on implementations.
 * @module
 */
import type { WebSocket } from 'ws'
import type { Actor } from './auth/actor.js'
import type { Caller } from './http/route.js'
import type {
  AgentInfo,
  Experiment,
  Placement,
  HubTemplate,
  JournalEvent,
  RunSummary,
  StreamMessage,
} from '../shared/api.js'
import type { Store } from './store/contract.js'
import type { Clock } from './continuous/clock.js'
import type { ExperimentChanges } from './continuous/changes.js'
import type { RunEndedHub } from './continuous/run-ended.js'
import type { Schedules } from './schedules/contract.js'
import type { GitSources } from './git/contract.js'
import type { Triggers } from './triggers/contract.js'
import type { Notifier } from './notifications/contract.js'

/** Executes runs in this server process with the same engine as `ordeal run`. */
export interface Agent {
  /** Loads the experiment's current (or given) version and starts it; resolves once recorded. */
  start(experiment: Experiment, by: Actor, version?: number): Promise<RunSummary>
  /** Aborts a run this agent executes (faults rolled back first); false if not running here. */
  abort(runId: string, reason: string): boolean
  /** Ids of the runs executing now. */
  running(): string[]
  /** Aborts every run and waits for their rollback (graceful shutdown). */
  shutdown(): Promise<void>
}

/**
 * Records the events of a run executed elsewhere (`ordeal run --server`): batches go to the
 * store, the live bus and the metrics, exactly as the agent's own runs do.
 */
export interface Recorder {
  /**
   * Resolves once the events are stored; rejects 409 once the run has ended (its events are
   * not stored), 503 when they could not be stored (the client retries).
   */
  append(runId: string, events: readonly JournalEvent[]): Promise<void>
  /**
   * A recorded run was registered: from now on it is ended `interrupted` if nothing arrives
   * for the idle timeout (an abandoned recording must not stay `running` forever).
   */
  watch(runId: string, experimentName: string): void
  /**
   * The seq up to which live viewers have every stored event: each was published on the bus,
   * in seq order. Events stored past a gap are held back until it is filled, so a backlog read
   * from the store must stop here (`EventQuery.until`) for `after=` to mean "have everything
   * up to". Infinity for a run with nothing held back (ended, or not recorded here).
   */
  releasedSeq(runId: string): number
  /** Derives the result from the stored journal and ends the run. */
  finish(runId: string): Promise<RunSummary>
  /** Ends a recorded run as interrupted (aborted from the UI): later events are refused. */
  interrupt(runId: string, reason: string): Promise<RunSummary>
  /**
   * A run executing on a remote agent: never swept as idle (its agent resends after a
   * disconnect and its lease decides), and write failures are not retried here (the agent
   * resends from its last ack).
   */
  watchAgentRun(runId: string, experimentName: string): void
  /**
   * The late report of an agent run already ended `interrupted` by its lapsed lease: stored
   * idempotently and published; once `run.ended` is stored, `finishLate` derives the result
   * again and keeps the status `interrupted`, the reason gaining "; the agent's report arrived
   * late".
   */
  appendLate(runId: string, events: readonly JournalEvent[]): Promise<void>
  finishLate(runId: string): Promise<RunSummary>
}

/**
 * The remote agents connected to this Chaos Center (`ordeal agent`, src/server/fleet/): their
 * connections, the queue of runs placed on them, their leases. Routes reach it as `ctx.fleet`.
 */
export interface Fleet {
  /** The defaults placed runs take (`--agent-heartbeat`, `--agent-lease`, `--queue-timeout`). */
  readonly settings: { heartbeatMs: number; leaseMs: number; queueTimeoutMs: number }
  /**
   * An agent's WebSocket, upgraded after its token was checked (role agent): the fleet waits
   * for its hello. `address` is the peer's, for the log and the replacement line;
   * `localAddress` this server's end (a multi-host run's `centerAddress`).
   */
  accept(socket: WebSocket, caller: Caller, address: string, localAddress?: string): void
  /** Registered agents: the store's rows merged with the live connections. */
  list(): Promise<AgentInfo[]>
  connectedCount(): number
  /**
   * A run was created `queued` with this placement: dispatch it at once when an agent is
   * connected and free, else keep it queued (with its reason) until one is or it times out.
   */
  place(
    run: RunSummary,
    placement: Placement,
    options: { leaseMs: number; queueDeadline: string }
  ): void
  /**
   * Cancels a queued run (`cancelled`) or asks the agent to abort a running one (it ends with
   * the agent's `run.ended`). False if the run is neither queued nor running on an agent.
   */
  abort(runId: string, reason: string): Promise<boolean>
  /** Token or user deleted: disconnect their agents now (close 4001) and interrupt their runs. */
  revoke(match: { tokenId: string } | { userId: string }, by: string): void
  /** Says goodbye (1001) to every agent; their runs go on and roll back by themselves if needed. */
  shutdown(): Promise<void>
}

/** Fans run events out to live viewers (SSE). */
export interface RunBus {
  publish(runId: string, message: StreamMessage): void
  subscribe(runId: string, listener: (message: StreamMessage) => void): () => void
}

/** The Prometheus metrics of `GET /metrics`. */
export interface ServerMetrics {
  /**
   * Called for every journal event of every run (fault/probe gauges), in order per run. The
   * run id keys the per-run state: two runs of one experiment may be in progress at once.
   */
  observe(run: { id: string; experiment: string }, event: JournalEvent): void
  /** Called once per ended run (counter by verdict, score gauge). */
  runEnded(run: RunSummary): void
  /** Prometheus text exposition. */
  render(): Promise<string>
  readonly contentType: string
}

export interface ServerContext {
  store: Store
  agent: Agent
  fleet: Fleet
  recorder: Recorder
  bus: RunBus
  metrics: ServerMetrics
  hub: readonly HubTemplate[]
  /** The clock of schedules, debounce windows, polls and retries (injected in tests). */
  clock: Clock
  /** Experiment created, changed or deleted (routes and git sync publish; schedules and triggers listen). */
  changes: ExperimentChanges
  /** Every ended run, once (gates, notifications, schedules listen). */
  runEnded: RunEndedHub
  schedules: Schedules
  gitSources: GitSources
  triggers: Triggers
  notifier: Notifier
  /** `http://127.0.0.1:7700`, for login links. */
  baseUrl(): string
  /** Server log lines (stderr), one event per line. */
  log(line: string): void
  startedAt: number
  version: string
}
