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

export interface Migration {
  version: number
  name: string
  sqlite: string
  postgres: string
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
 * Version 2 (issue 13 §5): who made a version or started a run, readably and through what.
 * `created_by` held the user's name for experiments and versions but the id for runs; it now
 * holds the id everywhere, the name moves to its own column (kept as it was then, so a deleted
 * user's history still reads), and `*_via` names the API token (NULL for a UI session).
 * Existing rows: the name is what was stored, the id is looked up by that name (kept as it
 * was when no such user exists any more); a run's name is looked up by its user's id.
 * Identical text for both dialects: ADD COLUMN and correlated UPDATEs are standard SQL.
 */
const namesAndVia = `
ALTER TABLE experiments ADD COLUMN created_by_name text NOT NULL DEFAULT '';
UPDATE experiments SET created_by_name = created_by,
  created_by = COALESCE((SELECT u.id FROM users u WHERE u.name = experiments.created_by
    ORDER BY u.created_at, u.id LIMIT 1), created_by);

ALTER TABLE experiment_versions ADD COLUMN created_by_name text NOT NULL DEFAULT '';
ALTER TABLE experiment_versions ADD COLUMN created_via text;
UPDATE experiment_versions SET created_by_name = created_by,
  created_by = COALESCE((SELECT u.id FROM users u WHERE u.name = experiment_versions.created_by
    ORDER BY u.created_at, u.id LIMIT 1), created_by);

ALTER TABLE runs ADD COLUMN started_by_name text NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN started_via text;
-- The current version's metadata.labels as JSON; NULL until derived from its YAML (rows made
-- before this version: the server derives them at start, Store.backfillLabels).
ALTER TABLE experiments ADD COLUMN labels text;

UPDATE runs SET started_by_name =
  COALESCE((SELECT u.name FROM users u WHERE u.id = runs.started_by), started_by);
`

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial schema', sqlite: initialSqlite, postgres: initialPostgres },
  { version: 2, name: 'names and tokens of authors', sqlite: namesAndVia, postgres: namesAndVia },
]
