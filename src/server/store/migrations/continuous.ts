/**
 * Migrations 5–9 (issue 16, continuous chaos): one function per feature, each owned by its
 * feature (schedules/, git/, triggers/, notifications/) and read by its SQL there. Text is
 * `COLLATE "C"` on PostgreSQL so both dialects sort ISO times and names byte-wise alike.
 * @module
 */
export type Dialect = 'sqlite' | 'postgres'

const text = (d: Dialect) => (d === 'sqlite' ? 'TEXT' : 'text COLLATE "C"')

/** Why a run started when no one pressed a button (a schedule's tick, a trigger, a gate). */
export const runCauses = (d: Dialect) => `
CREATE TABLE run_causes (
  run_id ${text(d)} PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  cause ${text(d)} NOT NULL
);
`

/**
 * A schedule is declared in its experiment's manifest (spec.schedules); the store keeps only
 * its state (paused, the last due tick handled, the timing it was handled under: cron, zone
 * and jitter, so a schedule edited while the server was down starts afresh rather than
 * catching up on the new expression) and its ticks. A tick's row is written before its run
 * starts, keyed by its due time: a restarted server cannot run a tick twice.
 */
export const scheduleTables = (d: Dialect) => `
CREATE TABLE schedule_states (
  experiment_id ${text(d)} NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  name ${text(d)} NOT NULL,
  paused integer NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
  paused_by ${text(d)},
  paused_at ${text(d)},
  last_due_at ${text(d)},
  timing ${text(d)},
  PRIMARY KEY (experiment_id, name)
);
CREATE TABLE schedule_ticks (
  experiment_id ${text(d)} NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  name ${text(d)} NOT NULL,
  due_at ${text(d)} NOT NULL,
  fire_at ${text(d)},
  fired_at ${text(d)},
  outcome ${text(d)} NOT NULL CHECK (outcome IN ('pending', 'ran', 'skipped', 'failed')),
  reason ${text(d)},
  run_id ${text(d)},
  PRIMARY KEY (experiment_id, name, due_at)
);
`

/** Git sources, which experiments each manages (and at which commit), and what did not load. */
export const gitTables = (d: Dialect) => `
CREATE TABLE git_sources (
  id ${text(d)} PRIMARY KEY,
  name ${text(d)} NOT NULL UNIQUE,
  url ${text(d)} NOT NULL,
  branch ${text(d)} NOT NULL,
  folder ${text(d)} NOT NULL,
  auth ${text(d)} NOT NULL CHECK (auth IN ('none', 'token', 'ssh-key')),
  credential ${text(d)},
  webhook_secret ${text(d)} NOT NULL,
  poll_seconds integer NOT NULL,
  created_at ${text(d)} NOT NULL,
  created_by ${text(d)} NOT NULL,
  created_by_name ${text(d)} NOT NULL,
  last_sync ${text(d)}
);
CREATE TABLE git_experiments (
  experiment_id ${text(d)} PRIMARY KEY REFERENCES experiments (id) ON DELETE CASCADE,
  source_id ${text(d)} NOT NULL REFERENCES git_sources (id) ON DELETE CASCADE,
  path ${text(d)} NOT NULL,
  commit_sha ${text(d)} NOT NULL,
  UNIQUE (source_id, path)
);
CREATE TABLE git_versions (
  experiment_id ${text(d)} NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  version integer NOT NULL,
  source_name ${text(d)} NOT NULL,
  path ${text(d)} NOT NULL,
  commit_sha ${text(d)} NOT NULL,
  PRIMARY KEY (experiment_id, version)
);
CREATE TABLE git_invalid (
  source_id ${text(d)} NOT NULL REFERENCES git_sources (id) ON DELETE CASCADE,
  path ${text(d)} NOT NULL,
  line integer,
  message ${text(d)} NOT NULL,
  commit_sha ${text(d)} NOT NULL,
  PRIMARY KEY (source_id, path)
);
`

/**
 * Hooks (signed webhook endpoints), their deliveries, and the triggers' state and firings.
 * A delivery's `replay_key` is the sender's delivery id once its signature checked out (NULL
 * for a rejected one): UNIQUE, so a replayed id inserts nothing, and a forged request naming a
 * real id cannot take that id away from the real delivery. `trigger_states` keeps each
 * trigger's previous event fields, so `Change` conditions compare across a restart.
 */
export const hookTables = (d: Dialect) => `
CREATE TABLE hooks (
  id ${text(d)} PRIMARY KEY,
  name ${text(d)} NOT NULL UNIQUE,
  kind ${text(d)} NOT NULL CHECK (kind IN ('generic', 'argocd', 'flux', 'github')),
  secret ${text(d)} NOT NULL,
  created_at ${text(d)} NOT NULL,
  created_by ${text(d)} NOT NULL,
  created_by_name ${text(d)} NOT NULL
);
CREATE TABLE hook_deliveries (
  id ${text(d)} PRIMARY KEY,
  hook_id ${text(d)} NOT NULL REFERENCES hooks (id) ON DELETE CASCADE,
  delivery_id ${text(d)} NOT NULL,
  replay_key ${text(d)},
  received_at ${text(d)} NOT NULL,
  outcome ${text(d)} NOT NULL CHECK (outcome IN ('accepted', 'ignored', 'rejected')),
  reason ${text(d)},
  matched ${text(d)} NOT NULL DEFAULT '[]',
  UNIQUE (hook_id, replay_key)
);
CREATE INDEX hook_deliveries_received ON hook_deliveries (hook_id, received_at);
CREATE TABLE trigger_states (
  experiment_id ${text(d)} NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  name ${text(d)} NOT NULL,
  last_fields ${text(d)} NOT NULL,
  PRIMARY KEY (experiment_id, name)
);
CREATE TABLE trigger_firings (
  id ${text(d)} PRIMARY KEY,
  experiment_id ${text(d)} NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  name ${text(d)} NOT NULL,
  at ${text(d)} NOT NULL,
  events integer NOT NULL,
  outcome ${text(d)} NOT NULL CHECK (outcome IN ('ran', 'skipped', 'failed')),
  reason ${text(d)},
  run_id ${text(d)}
);
CREATE INDEX trigger_firings_at ON trigger_firings (experiment_id, name, at);
`

/** Where verdict changes go, and every delivery with its attempts (failures shown in the UI). */
export const notificationTables = (d: Dialect) => `
CREATE TABLE notification_targets (
  id ${text(d)} PRIMARY KEY,
  name ${text(d)} NOT NULL UNIQUE,
  kind ${text(d)} NOT NULL CHECK (kind IN ('webhook', 'slack')),
  url ${text(d)} NOT NULL,
  labels ${text(d)},
  created_at ${text(d)} NOT NULL,
  created_by_name ${text(d)} NOT NULL
);
CREATE TABLE notification_deliveries (
  id ${text(d)} PRIMARY KEY,
  target_id ${text(d)} NOT NULL REFERENCES notification_targets (id) ON DELETE CASCADE,
  run_id ${text(d)} NOT NULL,
  experiment_name ${text(d)} NOT NULL,
  change ${text(d)} NOT NULL,
  payload ${text(d)} NOT NULL,
  status ${text(d)} NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_error ${text(d)},
  next_attempt_at ${text(d)},
  created_at ${text(d)} NOT NULL,
  delivered_at ${text(d)},
  UNIQUE (target_id, run_id)
);
CREATE INDEX notification_deliveries_pending ON notification_deliveries (status, next_attempt_at);
`

/**
 * Every table of migrations 5–9, children before parents: the store tests drop them to rebuild
 * an older database. A feature adding a table adds it here.
 */
export const CONTINUOUS_TABLES = [
  'run_causes',
  'schedule_ticks',
  'schedule_states',
  'git_versions',
  'git_invalid',
  'git_experiments',
  'git_sources',
  'trigger_firings',
  'trigger_states',
  'hook_deliveries',
  'hooks',
  'notification_deliveries',
  'notification_targets',
] as const
