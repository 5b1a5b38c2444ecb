/**
 * The Chaos Center's store: one contract, two implementations (SQLite in the data dir by
 * default, PostgreSQL when `DATABASE_URL=postgres://...`), both held to one shared test suite
 * (test/integration/store.test.ts). Every method is async, even for SQLite, so callers cannot
 * tell them apart. Times are ISO-8601 strings in UTC; ids are opaque strings chosen by the
 * caller (users, tokens, experiments) or by the engine (runs).
 * @module
 */
import type {
  Experiment,
  ExperimentSummary,
  ExperimentVersion,
  ExperimentVersionInfo,
  JournalEvent,
  Role,
  Run,
  RunPart,
  RunResult,
  RunSource,
  RunStatus,
  RunSummary,
  Placement,
  User,
  ApiToken,
  Verdict,
} from '../../shared/api.js'
import type { Sql } from './sql.js'

/** A unique name or an expected version did not hold: the API answers 409. */
export class StoreConflictError extends Error {
  override name = 'StoreConflictError'
}

/** The row an API token resolves to: the token and its user. */
export interface TokenRecord extends ApiToken {
  /** SHA-256 of the secret, hex; the secret itself is never stored. */
  hash: string
  /** One-time login codes are deleted when used. */
  oneTime: boolean
  /** A UI session (made by exchanging a login code), not an API token, whatever its name. */
  session: boolean
  user: User
}

export interface NewToken {
  id: string
  name: string
  userId: string
  role: Role
  hash: string
  oneTime?: boolean
  /** Only `exchangeLoginCode` sets it: logout revokes these, and they name no token in history. */
  session?: boolean
  createdAt: string
  expiresAt?: string
}

/** Who made a version: the user (id and name) and the API token's name (absent: a UI session). */
export interface Author {
  createdBy: string
  createdByName: string
  createdVia?: string
}

/** A version added without becoming current (`addVersion`). */
export interface NewVersion extends Author {
  yaml: string
  createdAt: string
}

export interface NewExperiment extends NewVersion {
  id: string
  name: string
  hypothesis: string
  /** The manifest's `metadata.labels`. */
  labels: Record<string, string>
}

export interface ExperimentUpdate extends NewVersion {
  name: string
  hypothesis: string
  labels: Record<string, string>
  /** Optimistic concurrency: when given and not the current version, StoreConflictError. */
  expectedVersion?: number
}

export interface NewRun {
  id: string
  experimentId: string
  experimentVersion: number
  source: RunSource
  /** The user's id, and their name (kept as it was: the history reads after the user goes). */
  startedBy: string
  startedByName: string
  /** The API token's name; absent for a UI session (and for runs the server starts itself). */
  startedVia?: string
  startedAt: string
  /** A run placed on an agent starts `queued` (default `running`). */
  status?: 'queued' | 'running'
  placement?: Placement
  /** When a queued run gives up (ISO time). */
  queueDeadline?: string
  leaseMs?: number
}

export interface RunEnd {
  status: Exclude<RunStatus, 'running' | 'queued'>
  verdict: Verdict
  score: number
  reason?: string
  endedAt: string
  /** Absent when the run was interrupted before a result could be derived. */
  result?: RunResult
}

export interface RunQuery {
  experimentId?: string
  status?: RunStatus
  /** Newest first; at most this many (default 50). */
  limit?: number
  /** Only runs that started strictly before this run (keyset pagination). */
  before?: string
}

/** What the store keeps of a remote agent (its live connection state is the server's own). */
/** A row of `run_parts`: one logical host of a multi-host run (RunPart plus the stream's seq). */
export interface RunPartRecord extends RunPart {
  runId: string
  /** The last seq of the part's journal handed to the coordinator (-1: none yet). */
  lastSeq: number
}

export interface AgentRecord {
  name: string
  labels: Record<string, string>
  version?: string
  hostname?: string
  addresses: string[]
  maxRuns: number
  /** The token it last connected with. */
  tokenId?: string
  firstSeenAt: string
  connectedAt?: string
  disconnectedAt?: string
  lastHeartbeatAt?: string
}

/** A queued run's placement data: the variables and files `POST /api/runs/submit` shipped. */
export interface RunBundle {
  vars: Record<string, string>
  /** base64(gzip(JSON BundleFile[])), as sent. */
  data?: string
}

/** The highest seq a store holds (PostgreSQL stores seq as `int`); the ingest schema's bound. */
export const MAX_SEQ = 2 ** 31 - 1

/** A page of experiment versions when the caller names no limit (store and route alike). */
export const DEFAULT_VERSION_LIMIT = 50

export interface VersionQuery {
  /** Newest first; at most this many (default DEFAULT_VERSION_LIMIT). */
  limit?: number
  /** Only versions strictly older than this one (keyset pagination). */
  before?: number
}

export interface EventQuery {
  /** Only events with seq > after (default: from the start). */
  after?: number
  /** Only events with seq <= until (default: to the end). */
  until?: number
  /** At most this many (default 500). */
  limit?: number
  /** Leave these event types out (e.g. `['op']` for the run page's summary read). */
  excludeTypes?: string[]
}

/** One stored event: its seq and the JSON text of the whole event. */
export interface EventText {
  seq: number
  json: string
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres'
  /**
   * Plain SQL on the same database, for the features that keep their own tables and SQL
   * (schedules, git sources, hooks, notifications; see sql.ts for the dialect rules).
   */
  readonly sql: Sql
  /** Applies pending migrations (idempotent); `openStore` calls it. */
  migrate(): Promise<void>
  /**
   * Takes the "one server per store" lock for as long as the store is open (released by
   * close, or when the process dies); false when another server holds it. PostgreSQL: a
   * session advisory lock on a connection of its own (hosts and data directories can share a
   * database). SQLite: always true, the data directory's lock (server-lock.ts) covers its file.
   */
  holdServerLock(): Promise<boolean>
  close(): Promise<void>

  createUser(user: User): Promise<User>
  getUser(id: string): Promise<User | undefined>
  listUsers(): Promise<User[]>
  countUsers(): Promise<number>
  updateUserRole(id: string, role: Role): Promise<User | undefined>
  /** Also deletes the user's tokens. */
  deleteUser(id: string): Promise<boolean>

  createToken(token: NewToken): Promise<ApiToken>
  /** The token with this hash and its user, unless expired (compared with `now`). */
  findToken(hash: string, now: string): Promise<TokenRecord | undefined>
  listTokens(userId?: string): Promise<ApiToken[]>
  touchToken(id: string, at: string): Promise<void>
  deleteToken(id: string): Promise<boolean>
  /** Deletes the user's unused one-time login codes (a new link replaces older ones). */
  deleteLoginCodes(userId: string): Promise<number>
  /** Deletes every token of the user (API, session, unused codes): signed out everywhere. */
  deleteUserTokens(userId: string): Promise<number>

  /** StoreConflictError when the name is taken. Creates version 1. */
  createExperiment(experiment: NewExperiment): Promise<Experiment>
  /**
   * Adds a version (the highest number yet plus one) and makes it current; StoreConflictError
   * on a taken name or a stale expectedVersion (compared with the current version).
   */
  updateExperiment(id: string, update: ExperimentUpdate): Promise<Experiment | undefined>
  /**
   * Adds a version that does NOT become current (a recorded run's manifest, issue 13 §5),
   * numbered after the highest yet, unless a version with exactly this YAML exists: then that
   * one, found in the same transaction (two CI jobs recording one new manifest at once add one
   * version). Undefined when the experiment does not exist.
   */
  addVersion(id: string, version: NewVersion): Promise<ExperimentVersionInfo | undefined>
  /** The newest version whose YAML is exactly `yaml`, if any. */
  findVersionByYaml(id: string, yaml: string): Promise<number | undefined>
  getExperiment(id: string): Promise<Experiment | undefined>
  getExperimentByName(name: string): Promise<Experiment | undefined>
  /** With lastRun, recentScores (oldest first, at most 20) and runningRuns, ordered by name. */
  listExperiments(): Promise<ExperimentSummary[]>
  /** Versions' metadata, newest first, a page at a time (no YAML: it can be large). */
  listExperimentVersions(id: string, query?: VersionQuery): Promise<ExperimentVersionInfo[]>
  getExperimentVersion(id: string, version: number): Promise<ExperimentVersion | undefined>
  /** Deletes the experiment, its versions, its runs and their events. */
  deleteExperiment(id: string): Promise<boolean>

  createRun(run: NewRun): Promise<RunSummary>
  /**
   * Appends events in one transaction. Idempotent per (run, seq): a retried batch after a lost
   * response must not duplicate events.
   */
  appendEvents(runId: string, events: readonly JournalEvent[]): Promise<void>
  /** Sets the end state, atomically; a run already ended is left as it is (returns false). */
  finishRun(runId: string, end: RunEnd): Promise<boolean>
  /** The run with its result and event count (a count over its events: not for hot paths). */
  getRun(id: string): Promise<Run | undefined>
  /** The run's row only: existence and status checks on every events POST and SSE connect. */
  getRunSummary(id: string): Promise<RunSummary | undefined>
  listRuns(query?: RunQuery): Promise<RunSummary[]>
  listEvents(runId: string, query?: EventQuery): Promise<JournalEvent[]>
  /**
   * The same events as the JSON text stored, unparsed: a page served as it is costs no parse
   * and no serialisation (reads of 5,000-event pages must not starve ingest).
   */
  listEventTexts(runId: string, query?: EventQuery): Promise<EventText[]>
  countEvents(runId: string): Promise<number>
  /**
   * Every run still `running` that this server executed or recorded becomes `interrupted`
   * (server start); returns their ids. Runs on agents (`source = 'agent'`) are left alone:
   * their agents report them, or their leases lapse.
   */
  interruptRunning(at: string): Promise<string[]>

  /** A queued run was sent to `agent`: still queued, agent set. False if no longer queued. */
  markDispatched(runId: string, agent: string, reason: string): Promise<boolean>
  /** The agent accepted a queued run: `running`, source `agent`, `dispatchedAt`. False if not queued. */
  markRunning(runId: string, agent: string, at: string): Promise<boolean>
  /** A queued run goes back to the queue (its agent dropped before answering). */
  requeue(runId: string, reason: string): Promise<boolean>
  /** Why a queued run waits; no-op once it is not queued. */
  setQueueReason(runId: string, reason: string): Promise<void>
  /** Ends a run that is still queued (cancel, queue timeout, rejected by the agent). */
  endQueued(runId: string, end: RunEnd): Promise<boolean>
  /** The largest s such that every seq 0..s of the run is stored (-1 when seq 0 is missing). */
  contiguousSeq(runId: string): Promise<number>
  /**
   * Marks an interrupted agent run as waiting for its late report (lease lapsed), and
   * `updateRunEnd` re-derives its end when the report arrives (only where it was marked).
   */
  markLateReport(runId: string): Promise<void>
  updateRunEnd(runId: string, end: RunEnd): Promise<boolean>
  /** Runs with `late_report` set that the agent has not reported yet, for the resume answer. */
  isLateReport(runId: string): Promise<boolean>

  upsertAgent(agent: AgentRecord): Promise<void>
  listAgents(): Promise<AgentRecord[]>
  /** Every agent name the store knows: agent tokens' names and agents that connected. */
  agentNames(): Promise<string[]>

  /** Writes a part's row (insert or replace by run and logical host). */
  putRunPart(part: RunPartRecord): Promise<void>
  /** The run's parts, by logical host name. */
  listRunParts(runId: string): Promise<RunPartRecord[]>

  putBundle(runId: string, bundle: RunBundle): Promise<void>
  getBundle(runId: string): Promise<RunBundle | undefined>
  deleteBundle(runId: string): Promise<void>
}
