/**
 * The store's schema as numbered migrations, one SQL text per dialect (SQLite and PostgreSQL
 * differ in types: booleans, floats, JSON). Each store applies the pending ones in order, each
 * in its own transaction, and records it in `schema_migrations`, so an upgraded server moves an
 * existing database forward and a second `migrate()` is a no-op. Migrations are append-only:
 * never edit one that has shipped, add the next number.
 *
 * Times are ISO-8601 UTC strings in both dialects: they sort correctly as text and round-trip
 * exactly, so both stores return byte-identical values. Events are stored as the JSON the engine
 * produced (the whole event, seq/t/type included); `seq`, `t` and `type` are copied into
 * columns only so they can be indexed and filtered.
 * @module
 */
import { manifestLabels } from '../api/labels.js'
import {
  gitTables,
  hookTables,
  notificationTables,
  runCauses,
  scheduleTables,
} from './migrations/continuous.js'

export interface Migration {
  version: number
  name: string
  sqlite: string
  postgres: string
  /**
   * Labels the SQL cannot derive (they are in the YAML): after the SQL, in the same
   * transaction, each experiment without stored labels gets these from its current version.
   */
  backfillLabels?: (yaml: string) => Record<string, string>
  /**
   * SQLite's table rebuild (a CHECK cannot be altered): the store turns foreign keys off
   * around the transaction (a dropped table would cascade into its children), and requires
   * `PRAGMA foreign_key_check` to be empty before it commits.
   */
  sqliteForeignKeysOff?: true
}

/** The table that records what has been applied; created before any migration runs. */
export const MIGRATIONS_TABLE = {
  sqlite: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL
  )`,
  postgres: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    applied_at text NOT NULL
  )`,
} as const

const ROLE_CHECK = `CHECK (role IN ('owner', 'editor', 'viewer'))`
/** Tokens only (migration 3): a user's role stays one of the ranked three. */
const AGENT_ROLE_CHECK = `CHECK (role IN ('owner', 'editor', 'viewer', 'agent'))`

/**
 * Version 1 in one place per dialect. Deleting an experiment cascades through foreign keys
 * (versions, runs, and the runs' events), so a single DELETE removes everything it owns.
 */
const initialSqlite = `
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL ${ROLE_CHECK},
  created_at TEXT NOT NULL
);

CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role TEXT NOT NULL ${ROLE_CHECK},
  hash TEXT NOT NULL UNIQUE,
  one_time INTEGER NOT NULL DEFAULT 0 CHECK (one_time IN (0, 1)),
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  expires_at TEXT
);
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE experiments (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  hypothesis TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE experiment_versions (
  experiment_id TEXT NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  yaml TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (experiment_id, version)
);

CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  experiment_id TEXT NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  experiment_version INTEGER NOT NULL,
  experiment_name TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('server', 'cli')),
  status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'interrupted')),
  verdict TEXT,
  score REAL,
  reason TEXT,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  started_by TEXT NOT NULL,
  result TEXT
);
CREATE INDEX runs_experiment_started ON runs (experiment_id, started_at DESC, id DESC);
CREATE INDEX runs_started ON runs (started_at DESC, id DESC);
CREATE INDEX runs_status_started ON runs (status, started_at DESC, id DESC);

CREATE TABLE run_events (
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  t INTEGER NOT NULL,
  type TEXT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
);
-- The run page's summary read leaves the (many) op events out; this index holds only the rest.
CREATE INDEX run_events_not_op ON run_events (run_id, seq) WHERE type <> 'op';
`

/**
 * Ids, names and ISO times are compared and sorted byte-wise, as SQLite does by default, so both
 * stores order identically whatever the database's locale (and "C" comparisons are cheaper).
 */
const C = 'COLLATE "C"'

const initialPostgres = `
CREATE TABLE users (
  id text ${C} PRIMARY KEY,
  name text NOT NULL,
  role text NOT NULL ${ROLE_CHECK},
  created_at text ${C} NOT NULL
);

CREATE TABLE tokens (
  id text ${C} PRIMARY KEY,
  name text NOT NULL,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role text NOT NULL ${ROLE_CHECK},
  hash text NOT NULL UNIQUE,
  one_time boolean NOT NULL DEFAULT false,
  created_at text ${C} NOT NULL,
  last_used_at text,
  expires_at text ${C}
);
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE experiments (
  id text PRIMARY KEY,
  name text ${C} NOT NULL UNIQUE,
  hypothesis text NOT NULL,
  version integer NOT NULL,
  created_by text NOT NULL,
  created_at text NOT NULL,
  updated_at text NOT NULL
);

CREATE TABLE experiment_versions (
  experiment_id text NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  version integer NOT NULL,
  yaml text NOT NULL,
  created_by text NOT NULL,
  created_at text NOT NULL,
  PRIMARY KEY (experiment_id, version)
);

CREATE TABLE runs (
  id text ${C} PRIMARY KEY,
  experiment_id text NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  experiment_version integer NOT NULL,
  experiment_name text NOT NULL,
  source text NOT NULL CHECK (source IN ('server', 'cli')),
  status text NOT NULL CHECK (status IN ('running', 'finished', 'interrupted')),
  verdict text,
  score double precision,
  reason text,
  started_at text ${C} NOT NULL,
  ended_at text,
  started_by text NOT NULL,
  result json
);
CREATE INDEX runs_experiment_started ON runs (experiment_id, started_at DESC, id DESC);
CREATE INDEX runs_started ON runs (started_at DESC, id DESC);
CREATE INDEX runs_status_started ON runs (status, started_at DESC, id DESC);

-- json, not jsonb: it keeps the text as given and costs nothing to insert.
-- t is a float because the engine's clock is not promised to be integral.
CREATE TABLE run_events (
  run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  seq integer NOT NULL,
  t double precision NOT NULL,
  type text NOT NULL,
  body json NOT NULL,
  PRIMARY KEY (run_id, seq)
);
-- The run page's summary read leaves the (many) op events out; this index holds only the rest.
CREATE INDEX run_events_not_op ON run_events (run_id, seq) WHERE type <> 'op';
`

/**
 * The user id of the one user who had `name` when a row was made at `at`; '' (no id: unknown)
 * when none or several did. `users.name` is not unique and a deleted user's name can be taken
 * again, so "the oldest user of that name now" could credit history to the wrong person: a user
 * created after the row cannot have made it, and two of one name cannot be told apart.
 */
const idOfName = (name: string, at: string) => `CASE
    WHEN (SELECT count(*) FROM users u WHERE u.name = ${name} AND u.created_at <= ${at}) = 1
    THEN (SELECT u.id FROM users u WHERE u.name = ${name} AND u.created_at <= ${at})
    ELSE '' END`

/**
 * Version 2 (issue 13 §5): who made a version or started a run, readably and through what.
 * `created_by` held the user's name for experiments and versions but the id for runs; it now
 * holds the id (or '' where it cannot be known, see idOfName), the name moves to its own column
 * (kept as it was then, so a deleted user's history still reads), and `*_via` names the API
 * token (NULL for a UI session). A run's name is looked up by its user's id.
 * Tokens get `session`: a UI session is told from an API token by how it was made, never by its
 * name (any user can name an API token `session …`). Sessions made before this version are
 * recognised by the name and expiry only `exchangeLoginCode` gives them.
 * Labels: `Migration.backfillLabels` derives them from each experiment's current YAML in the
 * same transaction (the server does not parse YAML at every start).
 */
const namesAndVia = (dialect: 'sqlite' | 'postgres') => `
ALTER TABLE experiments ADD COLUMN created_by_name text NOT NULL DEFAULT '';
UPDATE experiments SET created_by_name = created_by,
  created_by = ${idOfName('experiments.created_by', 'experiments.created_at')};

ALTER TABLE experiment_versions ADD COLUMN created_by_name text NOT NULL DEFAULT '';
ALTER TABLE experiment_versions ADD COLUMN created_via text;
UPDATE experiment_versions SET created_by_name = created_by,
  created_by = ${idOfName('experiment_versions.created_by', 'experiment_versions.created_at')};

ALTER TABLE runs ADD COLUMN started_by_name text NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN started_via text;
-- The current version's metadata.labels as JSON (NULL only inside this migration, until
-- Migration.backfillLabels derives them).
ALTER TABLE experiments ADD COLUMN labels text;

UPDATE runs SET started_by_name =
  COALESCE((SELECT u.name FROM users u WHERE u.id = runs.started_by), started_by);

${
  dialect === 'sqlite'
    ? `ALTER TABLE tokens ADD COLUMN session INTEGER NOT NULL DEFAULT 0 CHECK (session IN (0, 1));
UPDATE tokens SET session = 1 WHERE one_time = 0 AND expires_at IS NOT NULL
  AND name = 'session ' || substr(created_at, 1, 10);`
    : `ALTER TABLE tokens ADD COLUMN session boolean NOT NULL DEFAULT false;
UPDATE tokens SET session = true WHERE NOT one_time AND expires_at IS NOT NULL
  AND name = 'session ' || substr(created_at, 1, 10);`
}
`

/** The labels data step's read, and its write per dialect (placeholders differ). */
export const LABELS_BACKFILL = {
  select: `SELECT e.id, v.yaml FROM experiments e
    JOIN experiment_versions v ON v.experiment_id = e.id AND v.version = e.version
    WHERE e.labels IS NULL`,
  update: {
    sqlite: 'UPDATE experiments SET labels = ? WHERE id = ?',
    postgres: 'UPDATE experiments SET labels = $1 WHERE id = $2',
  },
} as const

/**
 * Version 3 (issue 14): remote agents. Runs gain the states `queued` and `cancelled` and the
 * source `agent`, with where they were placed and how their queue and lease stand; tokens gain
 * the role `agent`; `agents` keeps what the store knows of each agent, `run_bundles` the
 * variables and files a queued run ships until it ends.
 * SQLite cannot alter a CHECK, so `runs` and `tokens` are rebuilt (SQLite's 12-step table
 * rebuild, with foreign keys off: `DROP TABLE runs` would otherwise cascade into run_events).
 * PostgreSQL alters the CHECK constraints in place.
 */
const agentsSqlite = `
CREATE TABLE runs_v3 (
  id TEXT PRIMARY KEY,
  experiment_id TEXT NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  experiment_version INTEGER NOT NULL,
  experiment_name TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('server', 'cli', 'agent')),
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'finished', 'interrupted', 'cancelled')),
  verdict TEXT,
  score REAL,
  reason TEXT,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  started_by TEXT NOT NULL,
  result TEXT,
  started_by_name TEXT NOT NULL DEFAULT '',
  started_via TEXT,
  agent TEXT,
  placement TEXT,
  queue_reason TEXT,
  queue_deadline TEXT,
  lease_ms INTEGER,
  dispatched_at TEXT,
  late_report INTEGER NOT NULL DEFAULT 0 CHECK (late_report IN (0, 1))
);
INSERT INTO runs_v3 (id, experiment_id, experiment_version, experiment_name, source, status,
  verdict, score, reason, started_at, ended_at, started_by, result, started_by_name, started_via)
  SELECT id, experiment_id, experiment_version, experiment_name, source, status, verdict, score,
    reason, started_at, ended_at, started_by, result, started_by_name, started_via FROM runs;
DROP TABLE runs;
ALTER TABLE runs_v3 RENAME TO runs;
CREATE INDEX runs_experiment_started ON runs (experiment_id, started_at DESC, id DESC);
CREATE INDEX runs_started ON runs (started_at DESC, id DESC);
CREATE INDEX runs_status_started ON runs (status, started_at DESC, id DESC);
CREATE INDEX runs_agent_status ON runs (agent, status);

CREATE TABLE tokens_v3 (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role TEXT NOT NULL ${AGENT_ROLE_CHECK},
  hash TEXT NOT NULL UNIQUE,
  one_time INTEGER NOT NULL DEFAULT 0 CHECK (one_time IN (0, 1)),
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  expires_at TEXT,
  session INTEGER NOT NULL DEFAULT 0 CHECK (session IN (0, 1))
);
INSERT INTO tokens_v3 (id, name, user_id, role, hash, one_time, created_at, last_used_at,
  expires_at, session)
  SELECT id, name, user_id, role, hash, one_time, created_at, last_used_at, expires_at, session
  FROM tokens;
DROP TABLE tokens;
ALTER TABLE tokens_v3 RENAME TO tokens;
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE agents (
  name TEXT PRIMARY KEY,
  labels TEXT NOT NULL DEFAULT '{}',
  version TEXT,
  hostname TEXT,
  addresses TEXT NOT NULL DEFAULT '[]',
  max_runs INTEGER NOT NULL DEFAULT 1,
  token_id TEXT,
  first_seen_at TEXT NOT NULL,
  connected_at TEXT,
  disconnected_at TEXT,
  last_heartbeat_at TEXT
);

CREATE TABLE run_bundles (
  run_id TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  vars TEXT NOT NULL DEFAULT '{}',
  data BLOB,
  bytes INTEGER NOT NULL DEFAULT 0
);
`

const agentsPostgres = `
ALTER TABLE runs DROP CONSTRAINT runs_source_check;
ALTER TABLE runs ADD CONSTRAINT runs_source_check CHECK (source IN ('server', 'cli', 'agent'));
ALTER TABLE runs DROP CONSTRAINT runs_status_check;
ALTER TABLE runs ADD CONSTRAINT runs_status_check
  CHECK (status IN ('queued', 'running', 'finished', 'interrupted', 'cancelled'));
ALTER TABLE runs ADD COLUMN agent text ${C};
ALTER TABLE runs ADD COLUMN placement text;
ALTER TABLE runs ADD COLUMN queue_reason text;
ALTER TABLE runs ADD COLUMN queue_deadline text ${C};
ALTER TABLE runs ADD COLUMN lease_ms integer;
ALTER TABLE runs ADD COLUMN dispatched_at text ${C};
ALTER TABLE runs ADD COLUMN late_report boolean NOT NULL DEFAULT false;
CREATE INDEX runs_agent_status ON runs (agent, status);

ALTER TABLE tokens DROP CONSTRAINT tokens_role_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_role_check ${AGENT_ROLE_CHECK};

CREATE TABLE agents (
  name text ${C} PRIMARY KEY,
  labels jsonb NOT NULL DEFAULT '{}',
  version text,
  hostname text,
  addresses jsonb NOT NULL DEFAULT '[]',
  max_runs integer NOT NULL DEFAULT 1,
  token_id text,
  first_seen_at text ${C} NOT NULL,
  connected_at text ${C},
  disconnected_at text ${C},
  last_heartbeat_at text ${C}
);

CREATE TABLE run_bundles (
  run_id text ${C} PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  vars jsonb NOT NULL DEFAULT '{}',
  data bytea,
  bytes integer NOT NULL DEFAULT 0
);
`

/**
 * Version 4 (issue 14 item 5): multi-host runs. `run_parts` holds one row per logical host of
 * a run placed with `parts`: the agent holding it, how its part stands, the last seq handed to
 * the coordinator and the clock estimate of its agent when the row was last written.
 */
const runParts = (dialect: 'sqlite' | 'postgres') => {
  const text = dialect === 'sqlite' ? 'TEXT' : `text ${C}`
  const real = dialect === 'sqlite' ? 'REAL' : 'double precision'
  return `
CREATE TABLE run_parts (
  run_id ${text} NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  logical ${text} NOT NULL,
  agent ${text} NOT NULL,
  status ${text} NOT NULL CHECK (status IN ('dispatched', 'running', 'ended', 'lost')),
  last_seq integer NOT NULL DEFAULT -1,
  clock_offset_ms ${real},
  clock_error_ms ${real},
  reason ${text},
  PRIMARY KEY (run_id, logical)
);
`
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial schema', sqlite: initialSqlite, postgres: initialPostgres },
  {
    version: 2,
    name: 'names and tokens of authors',
    sqlite: namesAndVia('sqlite'),
    postgres: namesAndVia('postgres'),
    backfillLabels: manifestLabels,
  },
  {
    version: 3,
    name: 'agents',
    sqlite: agentsSqlite,
    postgres: agentsPostgres,
    sqliteForeignKeysOff: true,
  },
  { version: 4, name: 'run parts', sqlite: runParts('sqlite'), postgres: runParts('postgres') },
  { version: 5, name: 'run causes', sqlite: runCauses('sqlite'), postgres: runCauses('postgres') },
  {
    version: 6,
    name: 'schedules',
    sqlite: scheduleTables('sqlite'),
    postgres: scheduleTables('postgres'),
  },
  { version: 7, name: 'git sources', sqlite: gitTables('sqlite'), postgres: gitTables('postgres') },
  { version: 8, name: 'hooks', sqlite: hookTables('sqlite'), postgres: hookTables('postgres') },
  {
    version: 9,
    name: 'notifications',
    sqlite: notificationTables('sqlite'),
    postgres: notificationTables('postgres'),
  },
]
