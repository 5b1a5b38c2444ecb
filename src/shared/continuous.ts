/**
 * Continuous chaos as the API and the UI see it (issue 16): schedules and their ticks, git
 * sources and the origin of the experiments they manage, hooks and triggers, rollout gates,
 * notifications. Schedules and triggers are declared in the experiment's manifest
 * (`spec.schedules`, `spec.triggers`); the Chaos Center keeps their state and history.
 * No Node APIs here: the UI imports this file.
 * @module
 */
import type { RunSummary, Verdict } from './api.js'

export type ConcurrencyPolicy = 'Forbid' | 'Allow' | 'Replace'

/** A recurring window in the schedule's time zone (`days` absent: every day), or a fixed span. */
export type ExcludedWindow =
  | { days?: Weekday[]; from: string; to: string; reason?: string }
  | { start: string; end: string; reason?: string }

export type Weekday = 'Mon' | 'Tue' | 'Wed' | 'Thu' | 'Fri' | 'Sat' | 'Sun'

/** Where a run started by a schedule or a trigger goes (absent: the server's embedded agent). */
export type ContinuousPlacement = { agent: string } | { labels: Record<string, string> }

/** Why a run started when no person started it. */
export type RunCause =
  | { kind: 'schedule'; schedule: string; dueAt: string }
  | {
      kind: 'trigger'
      trigger: string
      /** The hook's name, or `kubernetes` for the in-cluster workload watch. */
      source: string
      /** How many events the debounce window folded into this run. */
      events: number
      /** The last event's one-line summary (`argocd: app orders synced to 1a2b3c4`). */
      summary: string
    }
  | { kind: 'gate'; gate: string }

/** Where a git-managed experiment (or one of its versions) came from. */
export interface GitOrigin {
  /** The git source's name. */
  source: string
  /** The file's path inside the repository. */
  path: string
  /** The full commit id the manifest was read at. */
  commit: string
}

/** `GET /api/runs/:id` adds these to a run when they apply. */
export interface RunContext {
  cause?: RunCause
  /** The version's git origin: the commit the run ran. */
  origin?: GitOrigin
}

export interface ScheduleTick {
  experimentId: string
  schedule: string
  /** When the cron expression said (ISO). */
  dueAt: string
  /** Due time plus this tick's jitter: when it was meant to start. */
  fireAt?: string
  /** When it actually started (ran) or was decided (skipped). */
  firedAt?: string
  /** `pending`: written, its run being started (a restart finds it and says so). */
  outcome: 'pending' | 'ran' | 'skipped' | 'failed'
  /** Why skipped or failed, in one line (`missed: the server was down; older than startingDeadlineSeconds 60`). */
  reason?: string
  runId?: string
}

/** `GET /api/schedules`, `GET /api/experiments/:id/schedules`. */
export interface ScheduleInfo {
  experimentId: string
  experimentName: string
  name: string
  cron: string
  timeZone: string
  jitterMs: number
  concurrencyPolicy: ConcurrencyPolicy
  startingDeadlineSeconds?: number
  historyLimit: number
  exclude: ExcludedWindow[]
  placement?: ContinuousPlacement
  paused: boolean
  pausedBy?: string
  pausedAt?: string
  /** The next due times (ISO), excluded windows applied, at most 5; empty while paused. */
  nextTicks: string[]
  lastTick?: ScheduleTick
}

/** `GET /api/experiments/:id/schedules/:name/ticks`: newest first. */
export interface ScheduleTickPage {
  ticks: ScheduleTick[]
}

export type GitAuth = 'none' | 'token' | 'ssh-key'

/** A manifest in git that did not load: shown with its file and line; the last good version stays. */
export interface GitManifestError {
  path: string
  line?: number
  message: string
}

export interface GitSyncInfo {
  at: string
  ok: boolean
  /** One line when the sync itself failed (clone, fetch, unknown branch). */
  error?: string
  commit?: string
  created: number
  updated: number
  deleted: number
  unchanged: number
  invalid: GitManifestError[]
  durationMs: number
}

/** `GET /api/git-sources`: never the token, key or webhook secret. */
export interface GitSourceInfo {
  id: string
  name: string
  /** The repository URL with any credentials removed. */
  url: string
  branch: string
  folder: string
  auth: GitAuth
  pollSeconds: number
  createdAt: string
  createdByName: string
  /** Names of the experiments it manages. */
  experiments: string[]
  lastSync?: GitSyncInfo
}

/** `POST /api/git-sources` answers once with the webhook's secret and URL (push → sync now). */
export interface CreatedGitSource extends GitSourceInfo {
  webhookUrl: string
  webhookSecret: string
}

export interface NewGitSource {
  name: string
  url: string
  branch?: string
  folder?: string
  /** An HTTPS token, or an SSH private key (PEM/OpenSSH): stored, never shown again. */
  token?: string
  sshKey?: string
  pollSeconds?: number
}

export type HookKind = 'generic' | 'argocd' | 'flux' | 'github'

export interface HookInfo {
  id: string
  name: string
  kind: HookKind
  createdAt: string
  createdByName: string
  lastDelivery?: HookDelivery
}

/** `POST /api/hooks` answers once with the secret and the URL to configure the sender with. */
export interface CreatedHook extends HookInfo {
  url: string
  secret: string
}

export interface HookDelivery {
  hookId: string
  deliveryId: string
  receivedAt: string
  /** accepted (matched triggers), ignored (valid, nothing subscribed or conditions false), rejected (signature, replay, stale, bad payload). */
  outcome: 'accepted' | 'ignored' | 'rejected'
  reason?: string
  /** `experiment/trigger` names it matched. */
  matched: string[]
}

export type TriggerSource = 'webhook' | 'argocd' | 'flux' | 'github' | 'kubernetes'

export type ConditionOperator =
  | 'EqualTo'
  | 'NotEqualTo'
  | 'LessThan'
  | 'GreaterThan'
  | 'LessThanEqualTo'
  | 'GreaterThanEqualTo'
  | 'Change'
  | 'Matches'

export interface TriggerCondition {
  key: string
  operator: ConditionOperator
  value?: string
}

export interface TriggerFiring {
  at: string
  events: number
  outcome: 'ran' | 'skipped' | 'failed'
  reason?: string
  runId?: string
}

/** `GET /api/triggers`, `GET /api/experiments/:id/triggers`. */
export interface TriggerInfo {
  experimentId: string
  experimentName: string
  name: string
  on: TriggerSource
  hook?: string
  app?: string
  conditions: TriggerCondition[]
  conditionType: 'and' | 'or'
  debounceMs: number
  placement?: ContinuousPlacement
  lastFiring?: TriggerFiring
  /** Events waiting for the end of the debounce window, if any. */
  pendingEvents: number
}

/** `GET /api/gates/:experiment`: 200 when `pass`, 412 otherwise (and 504 when a `?run=true` run outlives the wait). */
export interface GateAnswer {
  experiment: string
  pass: boolean
  threshold: number
  /** One line: `run R passed with score 100 ≥ 80`, `no run of version N yet`, `run R failed: …`. */
  reason: string
  runId?: string
  verdict?: Verdict
  score?: number
}

export type NotificationKind = 'webhook' | 'slack'

/** `GET /api/notifications/targets`: the URL shown without its secret path. */
export interface NotificationTarget {
  id: string
  name: string
  kind: NotificationKind
  /** `https://hooks.slack.com/…`: scheme and host only (the path of a Slack webhook is its secret). */
  urlHint: string
  /** Only experiments carrying every one of these labels (absent: all). */
  labels?: Record<string, string>
  createdAt: string
  createdByName: string
}

export interface NewNotificationTarget {
  name: string
  kind: NotificationKind
  url: string
  labels?: Record<string, string>
}

export type VerdictChange = 'failed' | 'recovered' | 'error'

export interface NotificationDelivery {
  id: string
  targetId: string
  targetName: string
  runId: string
  experimentName: string
  /** `test`: sent by `POST /api/notifications/targets/:id/test` (no run; `runId` is made up). */
  change: VerdictChange | 'test'
  status: 'pending' | 'delivered' | 'failed'
  attempts: number
  lastError?: string
  nextAttemptAt?: string
  createdAt: string
  deliveredAt?: string
}

/** A run summary with what made it start: the runs list of a schedule or trigger. */
export type CausedRun = RunSummary & { cause?: RunCause }
