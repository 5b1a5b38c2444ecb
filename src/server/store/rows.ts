/**
 * Row shapes of the store's tables and their mapping to the API's DTOs, shared by both stores;
 * the dialect differences (0/1 versus booleans, JSON as text versus parsed by `pg`) are
 * absorbed here so SQLite and PostgreSQL return byte-identical values.
 * @module
 */
import type {
  ApiToken,
  Experiment,
  ExperimentSummary,
  ExperimentVersion,
  ExperimentVersionInfo,
  Placement,
  Role,
  Run,
  RunResult,
  RunSource,
  RunStatus,
  RunSummary,
  ScorePoint,
  User,
  Verdict,
} from '../../shared/api.js'
import {
  MAX_SEQ,
  type AgentRecord,
  type RunBundle,
  type RunPartRecord,
  type TokenRecord,
} from './contract.js'

export interface UserRow {
  id: string
  name: string
  role: Role
  created_at: string
}

export interface TokenRow {
  id: string
  name: string
  user_id: string
  role: Role
  hash: string
  one_time: number | boolean
  session: number | boolean
  created_at: string
  last_used_at: string | null
  expires_at: string | null
}

/** A token joined with its user (`findToken`). */
export interface TokenUserRow extends TokenRow {
  user_name: string
  user_role: Role
  user_created_at: string
}

export interface ExperimentRow {
  id: string
  name: string
  hypothesis: string
  version: number
  created_by: string
  created_by_name: string
  created_at: string
  updated_at: string
  /** JSON object; NULL for rows older than migration 2 until backfilled. */
  labels: string | null
  /** Computed by the reading query (a count of the experiment's running runs). */
  running_runs: number | string
}

export interface ExperimentYamlRow extends ExperimentRow {
  yaml: string
}

export interface VersionRow {
  experiment_id: string
  version: number
  yaml: string
  created_by: string
  created_by_name: string
  created_via: string | null
  created_at: string
}

export interface RunRow {
  id: string
  experiment_id: string
  experiment_version: number
  experiment_name: string
  source: RunSource
  status: RunStatus
  verdict: Verdict | null
  score: number | null
  reason: string | null
  started_at: string
  ended_at: string | null
  started_by: string
  started_by_name: string
  started_via: string | null
  agent: string | null
  /** JSON text of the Placement (both dialects). */
  placement: string | null
  queue_reason: string | null
  queue_deadline: string | null
  lease_ms: number | null
  dispatched_at: string | null
}

/** SQLite returns the result as text, `pg` as parsed JSON. */
export interface RunResultRow extends RunRow {
  result: string | RunResult | null
  event_count: number
}

export interface ScoreRow {
  experiment_id: string
  id: string
  started_at: string
  status: RunStatus
  verdict: Verdict | null
  score: number | null
}

export function toUser(row: UserRow): User {
  return { id: row.id, name: row.name, role: row.role, createdAt: row.created_at }
}

export function toToken(row: TokenRow): ApiToken {
  const token: ApiToken = {
    id: row.id,
    name: row.name,
    userId: row.user_id,
    role: row.role,
    createdAt: row.created_at,
  }
  if (row.last_used_at !== null) {
    token.lastUsedAt = row.last_used_at
  }
  if (row.expires_at !== null) {
    token.expiresAt = row.expires_at
  }
  return token
}

export function toTokenRecord(row: TokenUserRow): TokenRecord {
  return {
    ...toToken(row),
    hash: row.hash,
    oneTime: row.one_time === true || row.one_time === 1,
    session: row.session === true || row.session === 1,
    user: {
      id: row.user_id,
      name: row.user_name,
      role: row.user_role,
      createdAt: row.user_created_at,
    },
  }
}

export function toScorePoint(row: ScoreRow): ScorePoint {
  const point: ScorePoint = { runId: row.id, startedAt: row.started_at, status: row.status }
  if (row.verdict !== null) {
    point.verdict = row.verdict
  }
  if (row.score !== null) {
    point.score = row.score
  }
  return point
}

/** `scores` are the experiment's most recent runs, oldest first. */
export function toSummary(row: ExperimentRow, scores: ScorePoint[]): ExperimentSummary {
  const summary: ExperimentSummary = {
    id: row.id,
    name: row.name,
    hypothesis: row.hypothesis,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    createdBy: row.created_by,
    createdByName: row.created_by_name,
    labels: row.labels === null ? {} : (JSON.parse(row.labels) as Record<string, string>),
    runningRuns: Number(row.running_runs),
    recentScores: scores,
  }
  const last = scores.at(-1)
  if (last !== undefined) {
    summary.lastRun = last
  }
  return summary
}

export function toExperiment(row: ExperimentYamlRow, scores: ScorePoint[]): Experiment {
  return { ...toSummary(row, scores), yaml: row.yaml }
}

export function toVersionInfo(row: Omit<VersionRow, 'yaml'>): ExperimentVersionInfo {
  const info: ExperimentVersionInfo = {
    experimentId: row.experiment_id,
    version: row.version,
    createdAt: row.created_at,
    createdBy: row.created_by,
    createdByName: row.created_by_name,
  }
  if (row.created_via !== null) {
    info.createdVia = row.created_via
  }
  return info
}

export function toVersion(row: VersionRow): ExperimentVersion {
  return { ...toVersionInfo(row), yaml: row.yaml }
}

/** The version columns every listing reads (all but the YAML). */
export const VERSION_INFO_COLUMNS =
  'experiment_id, version, created_by, created_by_name, created_via, created_at'

export function toRunSummary(row: RunRow): RunSummary {
  const run: RunSummary = {
    id: row.id,
    experimentId: row.experiment_id,
    experimentName: row.experiment_name,
    experimentVersion: row.experiment_version,
    source: row.source,
    status: row.status,
    startedAt: row.started_at,
    startedBy: row.started_by,
    startedByName: row.started_by_name,
  }
  if (row.started_via !== null) {
    run.startedVia = row.started_via
  }
  if (row.verdict !== null) {
    run.verdict = row.verdict
  }
  if (row.score !== null) {
    run.score = row.score
  }
  if (row.reason !== null) {
    run.reason = row.reason
  }
  if (row.ended_at !== null) {
    run.endedAt = row.ended_at
  }
  if (row.placement !== null) {
    run.placement = JSON.parse(row.placement) as Placement
  }
  if (row.agent !== null) {
    run.agent = row.agent
  }
  if (row.queue_reason !== null) {
    run.queueReason = row.queue_reason
  }
  if (row.queue_deadline !== null) {
    run.queueDeadline = row.queue_deadline
  }
  if (row.lease_ms !== null) {
    run.leaseMs = row.lease_ms
  }
  if (row.dispatched_at !== null) {
    run.dispatchedAt = row.dispatched_at
  }
  return run
}

/** The run columns every run read selects (both dialects). */
export const RUN_COLUMNS = `id, experiment_id, experiment_version, experiment_name, source, status,
  verdict, score, reason, started_at, ended_at, started_by, started_by_name, started_via, agent,
  placement, queue_reason, queue_deadline, lease_ms, dispatched_at`

/** SQLite keeps labels and addresses as JSON text, PostgreSQL as jsonb (parsed by `pg`). */
export interface AgentRow {
  name: string
  labels: string | Record<string, string>
  version: string | null
  hostname: string | null
  addresses: string | string[]
  max_runs: number
  token_id: string | null
  first_seen_at: string
  connected_at: string | null
  disconnected_at: string | null
  last_heartbeat_at: string | null
}

const parsedJson = <T>(value: string | T): T =>
  typeof value === 'string' ? (JSON.parse(value) as T) : value

export function toAgent(row: AgentRow): AgentRecord {
  const agent: AgentRecord = {
    name: row.name,
    labels: parsedJson(row.labels),
    addresses: parsedJson(row.addresses),
    maxRuns: row.max_runs,
    firstSeenAt: row.first_seen_at,
  }
  const optional: [keyof AgentRecord, string | null][] = [
    ['version', row.version],
    ['hostname', row.hostname],
    ['tokenId', row.token_id],
    ['connectedAt', row.connected_at],
    ['disconnectedAt', row.disconnected_at],
    ['lastHeartbeatAt', row.last_heartbeat_at],
  ]
  for (const [key, value] of optional) {
    if (value !== null) {
      Object.assign(agent, { [key]: value })
    }
  }
  return agent
}

/** The agent row's values in column order (upsert, both dialects). */
export function agentValues(agent: AgentRecord): unknown[] {
  return [
    agent.name,
    labelsText(agent.labels),
    agent.version ?? null,
    agent.hostname ?? null,
    JSON.stringify(agent.addresses),
    agent.maxRuns,
    agent.tokenId ?? null,
    agent.firstSeenAt,
    agent.connectedAt ?? null,
    agent.disconnectedAt ?? null,
    agent.lastHeartbeatAt ?? null,
  ]
}

export const AGENT_COLUMNS = `name, labels, version, hostname, addresses, max_runs, token_id,
  first_seen_at, connected_at, disconnected_at, last_heartbeat_at`

/** Every column but the first time seen is the latest connection's. */
export const AGENT_UPDATE = `labels = excluded.labels, version = excluded.version,
  hostname = excluded.hostname, addresses = excluded.addresses, max_runs = excluded.max_runs,
  token_id = excluded.token_id, connected_at = excluded.connected_at,
  disconnected_at = excluded.disconnected_at, last_heartbeat_at = excluded.last_heartbeat_at`

export interface BundleRow {
  vars: string | Record<string, string>
  data: Buffer | null
}

/** The bundle is stored as bytes (base64 would cost a third more) and returned as sent. */
export function toBundle(row: BundleRow): RunBundle {
  const bundle: RunBundle = { vars: parsedJson(row.vars) }
  if (row.data !== null) {
    bundle.data = row.data.toString('base64')
  }
  return bundle
}

/** A placed run's NewRun fields as column values (createRun, both dialects). */
export function placementValues(run: {
  status?: string
  placement?: Placement
  queueDeadline?: string
  leaseMs?: number
}): [string, string | null, string | null, number | null] {
  return [
    run.status ?? 'running',
    run.placement === undefined ? null : JSON.stringify(run.placement),
    run.queueDeadline ?? null,
    run.leaseMs ?? null,
  ]
}

export function toRun(row: RunResultRow): Run {
  const run: Run = { ...toRunSummary(row), eventCount: Number(row.event_count) }
  if (row.result !== null) {
    run.result = typeof row.result === 'string' ? (JSON.parse(row.result) as RunResult) : row.result
  }
  return run
}

/** How labels are stored: JSON text, keys sorted so equal labels store equal text. */
export function labelsText(labels: Record<string, string>): string {
  return JSON.stringify(
    Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)))
  )
}

/** How many recent runs an experiment summary carries (the sparkline). */
export const RECENT_SCORES = 20
/** `listRuns` and `listEvents` defaults (store contract). */
export const DEFAULT_RUN_LIMIT = 50
export const DEFAULT_EVENT_LIMIT = 500
/** `until` as a bound both dialects take as a parameter (Infinity is not an integer to them). */
export const untilOf = (query: { until?: number }): number =>
  Math.min(query.until ?? MAX_SEQ, MAX_SEQ)
/** Why `interruptRunning` ended a run: its `reason`. */
export const INTERRUPTED_REASON = 'the server stopped before the run ended'

export interface RunPartRow {
  run_id: string
  logical: string
  agent: string
  status: string
  last_seq: number
  clock_offset_ms: number | null
  clock_error_ms: number | null
  reason: string | null
}

export const RUN_PART_COLUMNS =
  'run_id, logical, agent, status, last_seq, clock_offset_ms, clock_error_ms, reason'

export const RUN_PART_UPDATE = `agent = excluded.agent, status = excluded.status,
  last_seq = excluded.last_seq, clock_offset_ms = excluded.clock_offset_ms,
  clock_error_ms = excluded.clock_error_ms, reason = excluded.reason`

export function runPartValues(part: RunPartRecord): (string | number | null)[] {
  return [
    part.runId,
    part.logical,
    part.agent,
    part.status,
    part.lastSeq,
    part.clockOffsetMs ?? null,
    part.clockErrorMs ?? null,
    part.reason ?? null,
  ]
}

export function toRunPart(row: RunPartRow): RunPartRecord {
  return {
    runId: row.run_id,
    logical: row.logical,
    agent: row.agent,
    status: row.status as RunPartRecord['status'],
    lastSeq: Number(row.last_seq),
    ...(row.clock_offset_ms !== null ? { clockOffsetMs: Number(row.clock_offset_ms) } : {}),
    ...(row.clock_error_ms !== null ? { clockErrorMs: Number(row.clock_error_ms) } : {}),
    ...(row.reason !== null ? { reason: row.reason } : {}),
  }
}
