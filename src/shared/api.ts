/**
 * The Chaos Center API as data: what the server sends and the web UI reads. Types only, no Node
 * APIs, so the UI (built by Vite) and the server share one definition. Request bodies are
 * validated by zod schemas in `src/server/api/schemas.ts`; these are their shapes.
 * @module
 */
import type { JournalEvent } from '../engine/events.js'
import type { RunResult, Verdict } from './result.js'
import type { GitOrigin, RunCause } from './continuous.js'

export type { JournalEvent, RunResult, Verdict }
export type * from './continuous.js'

/**
 * Secrets say what they are: one-time login codes are only exchanged at `/api/auth/login`,
 * tokens (API and session) are only bearer tokens. The UI reads the prefix too: a login link
 * carrying a token is refused, never used as a session.
 */
export const SECRET_PREFIX = { login: 'ordl_login_', token: 'ordl_tok_' } as const

/**
 * `agent` is outside the ranking: an agent token may only receive its own work and post its own
 * runs' events, nothing a viewer may do (`roleRank('agent')` is -1).
 */
export type Role = 'owner' | 'editor' | 'viewer' | 'agent'
/** The ranked roles, least first; `agent` is not among them. */
export const ROLES: readonly Role[] = ['viewer', 'editor', 'owner']

/**
 * `queued` while a run placed on an agent waits for it (with `queueReason`); `running` until the
 * run ends; `interrupted` when the server died or restarted mid-run, or the agent was lost for
 * longer than the lease; `cancelled` when a queued run was cancelled before it started.
 */
export type RunStatus = 'queued' | 'running' | 'finished' | 'interrupted' | 'cancelled'
/** The statuses after which nothing about the run changes (but a late agent report). */
export const ENDED_STATUSES: readonly RunStatus[] = ['finished', 'interrupted', 'cancelled']
/**
 * Who executed the run: the server's embedded agent, `ordeal run --server` (recorded), or a
 * remote agent (`ordeal agent`) the run was placed on.
 */
export type RunSource = 'server' | 'cli' | 'agent'

/**
 * Where a run goes: one agent by name, or any connected agent carrying every label, or (a
 * multi-host experiment, `spec.system.agents`) each logical agent onto a registered agent:
 * `{ parts: { a: 'edge-1', b: 'edge-2' } }`. A parts run starts when every one of those agents
 * is connected and free; the Chaos Center coordinates it (platforms/agent/coordinator/).
 */
export type Placement =
  { agent: string } | { labels: Record<string, string> } | { parts: Record<string, string> }

/** Every error response: `{ error: "validation", message: "body.yaml: Required" }`. */
export interface ApiError {
  error:
    | 'validation'
    | 'unauthorized'
    | 'forbidden'
    | 'not_found'
    | 'conflict'
    | 'too_large'
    | 'rate_limited'
    | 'misdirected'
    | 'unavailable'
    | 'internal'
  /** One line, names the field when there is one. */
  message: string
  /** Validation errors: one per field; for manifests, with the YAML line. */
  issues?: ValidationIssue[]
}

export interface ValidationIssue {
  /** Dotted path (`spec.steps[0].fault.type`) or request location (`body.name`). */
  path: string
  message: string
  /** 1-based line in the YAML, for manifest issues. */
  line?: number
  column?: number
}

export interface User {
  id: string
  name: string
  role: Role
  createdAt: string
}

export interface ApiToken {
  id: string
  name: string
  userId: string
  /** A token never has more rights than its user; it can have fewer. */
  role: Role
  createdAt: string
  lastUsedAt?: string
  expiresAt?: string
}

/** Returned once, when a token is created: `secret` is never shown again. */
export interface CreatedToken extends ApiToken {
  secret: string
}

/** `POST /api/users/:id/login-link`: a new one-time login link (24 h) for an existing user. */
export interface LoginLink {
  loginCode: string
  loginLink: string
}

/** `POST /api/auth/login` exchanges a one-time login code for a session token. */
export interface LoginResponse {
  token: string
  user: User
}

/** `GET /api/auth/me`: who the token belongs to, and the role it acts with (≤ the user's). */
export interface Me {
  user: User
  role: Role
  tokenId: string
}

/** One point of the score sparkline / history chart. */
export interface ScorePoint {
  runId: string
  startedAt: string
  status: RunStatus
  verdict?: Verdict
  score?: number
}

export interface ExperimentSummary {
  id: string
  name: string
  hypothesis: string
  /** Current version (1, 2, ...); every update adds one. */
  version: number
  createdAt: string
  updatedAt: string
  /** The id of the user who created the experiment; '' when unknown (made before ids were stored, by a name no single user had then). */
  createdBy: string
  /** That user's name, as it was when they created it. */
  createdByName: string
  /** The current version's manifest `metadata.labels` (`{}` when it has none). */
  labels: Record<string, string>
  /** Runs of this experiment with status `running` now. */
  runningRuns: number
  lastRun?: ScorePoint
  /** The most recent runs' scores, oldest first (at most 20): the list's sparkline. */
  recentScores: ScorePoint[]
  /** Managed by a git source: read-only here, changed in git (issue 16). */
  origin?: GitOrigin
}

export interface Experiment extends ExperimentSummary {
  yaml: string
}

/** A version's metadata: what the versions list pages through (the YAML is read one by one). */
export interface ExperimentVersionInfo {
  experimentId: string
  version: number
  createdAt: string
  /** The id of the user who made this version; '' when unknown (as for Experiment.createdBy). */
  createdBy: string
  /** That user's name. */
  createdByName: string
  /** The API token's name when made with an API token (e.g. `ci-deploy`); absent for a UI session. */
  createdVia?: string
  /** Synced from git: the source, path and commit (issue 16). */
  origin?: GitOrigin
}

export interface ExperimentVersion extends ExperimentVersionInfo {
  yaml: string
}

/** `GET /api/experiments/:id/versions?before=N&limit=M`: newest first. */
export interface ExperimentVersionPage {
  versions: ExperimentVersionInfo[]
  /** The `before` for the next (older) page; absent when this page was the last. */
  next?: number
}

export interface RunSummary {
  id: string
  experimentId: string
  experimentName: string
  experimentVersion: number
  source: RunSource
  status: RunStatus
  verdict?: Verdict
  score?: number
  /** Why the verdict is not `pass`, in one line. */
  reason?: string
  startedAt: string
  endedAt?: string
  /** The id of the user who started (or recorded) the run. */
  startedBy: string
  /** That user's name. */
  startedByName: string
  /** The API token's name when started with an API token (e.g. `ci-deploy`); absent for a UI session. */
  startedVia?: string
  /** Where the run was asked to go (absent: this server's embedded agent, or a CLI recording). */
  placement?: Placement
  /** The agent the run was sent to (set at dispatch). */
  agent?: string
  /** While `queued`: why it waits, in one line (`agent edge-1 is busy (run R, 1 of 1)`). */
  queueReason?: string
  /** While `queued`: when it gives up waiting (ISO time; the fleet rebuilds its queue from it). */
  queueDeadline?: string
  /** When the agent accepted the run. */
  dispatchedAt?: string
  /** How long the agent runs on without hearing from the server before it rolls back by itself. */
  leaseMs?: number
}

export interface Run extends RunSummary {
  /** Present once the run has ended (derived from its journal). */
  result?: RunResult
  eventCount: number
  /** A multi-host run's parts (Placement `parts`), in logical-host order; absent otherwise. */
  parts?: RunPart[]
  /** What started it when no person did (a schedule's tick, a trigger, a gate). */
  cause?: RunCause
  /** The git origin of the version it ran: the commit. */
  origin?: GitOrigin
}

/**
 * One logical host of a multi-host run: the agent that holds it and how its part stands.
 * `dispatched` (sent), `running` (accepted), `ended` (its journal reached run.ended), `lost`
 * (rejected, its lease lapsed, revoked, the Chaos Center restarted: `reason` says which).
 */
export interface RunPart {
  logical: string
  agent: string
  status: 'dispatched' | 'running' | 'ended' | 'lost'
  /** The agent's clock minus the Chaos Center's (ms), as estimated at the last write. */
  clockOffsetMs?: number
  clockErrorMs?: number
  reason?: string
}

/** `GET /api/runs/:id/events?after=SEQ&limit=N[&exclude=op]`, ordered by seq. */
export interface EventPage {
  events: JournalEvent[]
  /** The seq to pass as `after` for the next page; absent when this page was the last. */
  next?: number
}

/**
 * Live stream, `GET /api/runs/:id/stream?after=SEQ` (Server-Sent Events, read with fetch so
 * the token stays in a header). Event names and data:
 * - `journal`: `JournalEvent[]` in seq order (op events excluded; they are counted in `ops`)
 * - `ops`: `{ count: number }` running total of op events, at most a few times per second
 * - `status`: `RunSummary`, sent at connect and on every change (queued, its reason, running);
 *   the stream closes after an ended one (finished, interrupted, cancelled)
 */
export type StreamMessage =
  | { event: 'journal'; data: JournalEvent[] }
  | { event: 'ops'; data: { count: number } }
  | { event: 'status'; data: RunSummary }

export interface HubTemplate {
  id: string
  name: string
  description: string
  /** Fault types it uses, for filtering. */
  tags: string[]
  yaml: string
}

export interface Health {
  status: 'ok'
  version: string
  store: 'sqlite' | 'postgres'
  uptimeSeconds: number
  runningRuns: number
  /** Remote agents connected now. */
  connectedAgents: number
}

/** `GET /api/agents`: one registered agent (it has an agent token or has connected once). */
export interface AgentInfo {
  name: string
  labels: Record<string, string>
  version?: string
  hostname?: string
  addresses: string[]
  connected: boolean
  connectedSince?: string
  disconnectedSince?: string
  lastHeartbeat?: string
  /** The agent's clock minus the server's, from ping/pong (NTP-style, best of the last 8). */
  clock?: { offsetMs: number; errorMs: number; rttMs: number }
  /** Runs it executes at once. */
  maxRuns: number
  /** Ids of the runs it executes now. */
  runs: string[]
}

/**
 * `POST /api/runs`: start the experiment's current (or given) version. Without `agent` or
 * `labels` the server's embedded agent runs it; with one of them the run is placed on an agent
 * and waits `queued` until one is connected and free (at most `queueTimeout`).
 */
export interface StartRunRequest {
  experimentId: string
  version?: number
  agent?: string
  labels?: Record<string, string>
  /**
   * A multi-host experiment (`spec.system.agents`): each logical agent onto a registered agent,
   * `{ a: 'edge-1', b: 'edge-2' }` (not with `agent` or `labels`).
   */
  agents?: Record<string, string>
  /** Duration text (`10m`); default the server's `--queue-timeout`. */
  queueTimeout?: string
  /** Duration text (`30s`); default the server's `--agent-lease`. */
  lease?: string
}

/**
 * `POST /api/runs/submit` (`ordeal run --agent`): a manifest with the variables it uses and the
 * files of its directory; the experiment is created or versioned by its name, then placed.
 */
export interface SubmitRunRequest {
  yaml: string
  /** Exactly the variables the manifest uses, resolved where the CLI ran. */
  vars: Record<string, string>
  /** base64(gzip(JSON BundleFile[])): the manifest's directory (src/experiment/bundle.ts). */
  bundle?: string
  agent?: string
  labels?: Record<string, string>
  /**
   * A multi-host experiment (`spec.system.agents`): each logical agent onto a registered agent,
   * `{ a: 'edge-1', b: 'edge-2' }` (not with `agent` or `labels`).
   */
  agents?: Record<string, string>
  queueTimeout?: string
  lease?: string
}

/** `POST /api/experiments/validate`: the same checks as `ordeal validate`. */
export interface ValidationResult {
  valid: boolean
  issues: ValidationIssue[]
}
