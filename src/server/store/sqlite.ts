/**
 * The default store: one SQLite file in the data dir, so `ordeal server` needs nothing else
 * installed. better-sqlite3 is synchronous; every method is async only to honour the Store
 * contract. Synchronous calls also make each transaction exclusive within the process, and
 * `BEGIN IMMEDIATE` plus a busy timeout keeps a second process (a backup, the CLI) from
 * failing mid-transaction.
 * @module
 */
import Database from 'better-sqlite3'
import type {
  ApiToken,
  Experiment,
  ExperimentSummary,
  ExperimentVersion,
  ExperimentVersionInfo,
  JournalEvent,
  Role,
  Run,
  RunSummary,
  User,
} from '../../shared/api.js'
import { DEFAULT_VERSION_LIMIT, StoreConflictError } from './contract.js'
import type {
  EventQuery,
  EventText,
  ExperimentUpdate,
  NewExperiment,
  NewRun,
  NewToken,
  NewVersion,
  RunEnd,
  AgentRecord,
  RunPartRecord,
  RunBundle,
  RunQuery,
  Store,
  TokenRecord,
  VersionQuery,
} from './contract.js'
import {
  DEFAULT_EVENT_LIMIT,
  DEFAULT_RUN_LIMIT,
  INTERRUPTED_REASON,
  AGENT_COLUMNS,
  RUN_PART_COLUMNS,
  RUN_PART_UPDATE,
  runPartValues,
  toRunPart,
  AGENT_UPDATE,
  agentValues,
  labelsText,
  placementValues,
  RUN_COLUMNS,
  toAgent,
  toBundle,
  untilOf,
  VERSION_INFO_COLUMNS,
  RECENT_SCORES,
  toExperiment,
  toRun,
  toRunSummary,
  toScorePoint,
  toSummary,
  toToken,
  toTokenRecord,
  toUser,
  toVersion,
  toVersionInfo,
} from './rows.js'
import { LABELS_BACKFILL, MIGRATIONS, MIGRATIONS_TABLE } from './migrations.js'
import { sqliteSql, type Sql } from './sql.js'
import type {
  AgentRow,
  BundleRow,
  RunPartRow,
  ExperimentRow,
  ExperimentYamlRow,
  RunResultRow,
  RunRow,
  ScoreRow,
  TokenRow,
  TokenUserRow,
  UserRow,
  VersionRow,
} from './rows.js'

type Db = Database.Database
type Stmt<P extends unknown[], R = unknown> = Database.Statement<P, R>

/** An experiment's running runs, counted through runs_status_started. */
const RUNNING_RUNS = `(SELECT count(*) FROM runs r
  WHERE r.status = 'running' AND r.experiment_id = e.id) AS running_runs`

const EXPERIMENT_YAML = `SELECT e.*, v.yaml, ${RUNNING_RUNS} FROM experiments e
  JOIN experiment_versions v ON v.experiment_id = e.id AND v.version = e.version`

/** Every fixed statement, prepared once on first use (after the schema exists). */
function prepare(db: Db) {
  return {
    insertUser: db.prepare<[string, string, string, string]>(
      'INSERT INTO users (id, name, role, created_at) VALUES (?, ?, ?, ?)'
    ),
    getUser: db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?'),
    listUsers: db.prepare<[], UserRow>('SELECT * FROM users ORDER BY created_at, id'),
    countUsers: db.prepare<[], number>('SELECT count(*) FROM users').pluck(),
    updateRole: db.prepare<[string, string], UserRow>(
      'UPDATE users SET role = ? WHERE id = ? RETURNING *'
    ),
    deleteUser: db.prepare<[string]>('DELETE FROM users WHERE id = ?'),

    insertToken: db.prepare<
      [string, string, string, string, string, number, number, string, string | null]
    >(
      `INSERT INTO tokens (id, name, user_id, role, hash, one_time, session, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
    ),
    findToken: db.prepare<[string, string], TokenUserRow>(
      `SELECT t.*, u.name AS user_name, u.role AS user_role, u.created_at AS user_created_at
       FROM tokens t JOIN users u ON u.id = t.user_id
       WHERE t.hash = ? AND (t.expires_at IS NULL OR t.expires_at > ?)`
    ),
    // One-time login codes are not API tokens a user manages: they are left out of listings.
    listTokens: db.prepare<[], TokenRow>(
      'SELECT * FROM tokens WHERE one_time = 0 ORDER BY created_at, id'
    ),
    listUserTokens: db.prepare<[string], TokenRow>(
      'SELECT * FROM tokens WHERE one_time = 0 AND user_id = ? ORDER BY created_at, id'
    ),
    touchToken: db.prepare<[string, string]>('UPDATE tokens SET last_used_at = ? WHERE id = ?'),
    deleteToken: db.prepare<[string]>('DELETE FROM tokens WHERE id = ?'),
    deleteLoginCodes: db.prepare<[string]>('DELETE FROM tokens WHERE user_id = ? AND one_time = 1'),
    deleteUserTokens: db.prepare<[string]>('DELETE FROM tokens WHERE user_id = ?'),

    insertExperiment: db.prepare<[string, string, string, string, string, string, string, string]>(
      `INSERT INTO experiments (id, name, hypothesis, version, created_by, created_by_name,
         created_at, updated_at, labels)
       VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)`
    ),
    insertVersion: db.prepare<[string, number, string, string, string, string | null, string]>(
      `INSERT INTO experiment_versions (experiment_id, version, yaml, created_by,
         created_by_name, created_via, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`
    ),
    bumpExperiment: db.prepare<[string, string, number, string, string, string]>(
      `UPDATE experiments SET name = ?, hypothesis = ?, version = ?, updated_at = ?, labels = ?
       WHERE id = ?`
    ),
    getExperimentRow: db.prepare<[string], Pick<ExperimentRow, 'name' | 'version'>>(
      'SELECT name, version FROM experiments WHERE id = ?'
    ),
    maxVersion: db
      .prepare<[string], number>(
        'SELECT max(version) FROM experiment_versions WHERE experiment_id = ?'
      )
      .pluck(),
    findVersionByYaml: db
      .prepare<[string, string], number>(
        `SELECT version FROM experiment_versions WHERE experiment_id = ? AND yaml = ?
         ORDER BY version DESC LIMIT 1`
      )
      .pluck(),
    getExperiment: db.prepare<[string], ExperimentYamlRow>(`${EXPERIMENT_YAML} WHERE e.id = ?`),
    getExperimentByName: db.prepare<[string], ExperimentYamlRow>(
      `${EXPERIMENT_YAML} WHERE e.name = ?`
    ),
    listExperiments: db.prepare<[], ExperimentRow>(
      `SELECT e.*, ${RUNNING_RUNS} FROM experiments e ORDER BY e.name`
    ),
    recentScores: db.prepare<[string, number], ScoreRow>(
      `SELECT experiment_id, id, started_at, status, verdict, score FROM runs
       WHERE experiment_id = ? ORDER BY started_at DESC, id DESC LIMIT ?`
    ),
    // Keyset page, newest first; the YAML stays behind (getVersion reads one).
    listVersions: db.prepare<[string, number, number], Omit<VersionRow, 'yaml'>>(
      `SELECT ${VERSION_INFO_COLUMNS} FROM experiment_versions
       WHERE experiment_id = ? AND version < ? ORDER BY version DESC LIMIT ?`
    ),
    getVersionInfo: db.prepare<[string, number], Omit<VersionRow, 'yaml'>>(
      `SELECT ${VERSION_INFO_COLUMNS} FROM experiment_versions
       WHERE experiment_id = ? AND version = ?`
    ),
    getVersion: db.prepare<[string, number], VersionRow>(
      'SELECT * FROM experiment_versions WHERE experiment_id = ? AND version = ?'
    ),
    deleteExperiment: db.prepare<[string]>('DELETE FROM experiments WHERE id = ?'),

    // The name is copied from the experiment in the same statement: no row when it is missing.
    insertRun: db.prepare<
      [
        string,
        number,
        string,
        string,
        string | null,
        string | null,
        number | null,
        string,
        string,
        string,
        string | null,
        string,
      ],
      RunRow
    >(
      `INSERT INTO runs (id, experiment_id, experiment_version, experiment_name, source, status,
         placement, queue_deadline, lease_ms, started_at, started_by, started_by_name, started_via)
       SELECT ?, e.id, ?, e.name, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM experiments e WHERE e.id = ?
       RETURNING ${RUN_COLUMNS}`
    ),
    insertEvent: db.prepare<[string, number, number, string, string]>(
      'INSERT OR IGNORE INTO run_events (run_id, seq, t, type, body) VALUES (?, ?, ?, ?, ?)'
    ),
    finishRun: db.prepare<[string, string, number, string | null, string, string | null, string]>(
      `UPDATE runs SET status = ?, verdict = ?, score = ?, reason = ?, ended_at = ?, result = ?
       WHERE id = ? AND status = 'running'`
    ),
    getRun: db.prepare<[string], RunResultRow>(
      `SELECT r.*, (SELECT count(*) FROM run_events WHERE run_id = r.id) AS event_count
       FROM runs r WHERE r.id = ?`
    ),
    getRunSummary: db.prepare<[string], RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`),
    countEvents: db
      .prepare<[string], number>('SELECT count(*) FROM run_events WHERE run_id = ?')
      .pluck(),
    interruptRunning: db
      .prepare<[string, string], string>(
        `UPDATE runs SET status = 'interrupted', verdict = 'interrupted', reason = ?, ended_at = ?
       WHERE status = 'running' AND source <> 'agent' RETURNING id`
      )
      .pluck(),

    // Queue and lease: each acts only while the run is in the state it expects.
    markDispatched: db.prepare<[string, string, string]>(
      `UPDATE runs SET agent = ?, queue_reason = ? WHERE id = ? AND status = 'queued'`
    ),
    markRunning: db.prepare<[string, string, string]>(
      `UPDATE runs SET status = 'running', source = 'agent', agent = ?, dispatched_at = ?,
         queue_reason = NULL
       WHERE id = ? AND status = 'queued'`
    ),
    requeue: db.prepare<[string, string]>(
      `UPDATE runs SET agent = NULL, queue_reason = ? WHERE id = ? AND status = 'queued'`
    ),
    setQueueReason: db.prepare<[string, string]>(
      `UPDATE runs SET queue_reason = ? WHERE id = ? AND status = 'queued'`
    ),
    endQueued: db.prepare<[string, string, number, string | null, string, string | null, string]>(
      `UPDATE runs SET status = ?, verdict = ?, score = ?, reason = ?, ended_at = ?, result = ?,
         queue_reason = NULL
       WHERE id = ? AND status = 'queued'`
    ),
    // The first stored seq whose successor is missing ends the prefix 0..s (when 0 is stored).
    contiguousSeq: db
      .prepare<[string, string], number | null>(
        `SELECT CASE WHEN EXISTS (SELECT 1 FROM run_events WHERE run_id = ? AND seq = 0)
           THEN (SELECT min(e.seq) FROM run_events e WHERE e.run_id = ? AND NOT EXISTS
             (SELECT 1 FROM run_events n WHERE n.run_id = e.run_id AND n.seq = e.seq + 1))
           ELSE -1 END`
      )
      .pluck(),
    markLateReport: db.prepare<[string]>(`UPDATE runs SET late_report = 1 WHERE id = ?`),
    updateRunEnd: db.prepare<
      [string, string, number, string | null, string, string | null, string]
    >(
      `UPDATE runs SET status = ?, verdict = ?, score = ?, reason = ?, ended_at = ?, result = ?,
         late_report = 0
       WHERE id = ? AND late_report = 1`
    ),
    isLateReport: db
      .prepare<[string], number>(`SELECT count(*) FROM runs WHERE id = ? AND late_report = 1`)
      .pluck(),

    upsertAgent: db.prepare<unknown[]>(
      `INSERT INTO agents (${AGENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET ${AGENT_UPDATE}`
    ),
    listAgents: db.prepare<[], AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents ORDER BY name`),
    agentNames: db
      .prepare<[], string>(
        `SELECT name FROM tokens WHERE role = 'agent' UNION SELECT name FROM agents ORDER BY 1`
      )
      .pluck(),

    putBundle: db.prepare<[string, string, Buffer | null, number]>(
      `INSERT INTO run_bundles (run_id, vars, data, bytes) VALUES (?, ?, ?, ?)
       ON CONFLICT (run_id) DO UPDATE SET vars = excluded.vars, data = excluded.data,
         bytes = excluded.bytes`
    ),
    getBundle: db.prepare<[string], BundleRow>(
      'SELECT vars, data FROM run_bundles WHERE run_id = ?'
    ),
    deleteBundle: db.prepare<[string]>('DELETE FROM run_bundles WHERE run_id = ?'),
    putRunPart: db.prepare<(string | number | null)[]>(
      `INSERT INTO run_parts (${RUN_PART_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, logical) DO UPDATE SET ${RUN_PART_UPDATE}`
    ),
    listRunParts: db.prepare<[string], RunPartRow>(
      `SELECT ${RUN_PART_COLUMNS} FROM run_parts WHERE run_id = ? ORDER BY logical`
    ),
  }
}

type Statements = ReturnType<typeof prepare>

/** A unique or primary key constraint failed: the caller asked for a name or id in use. */
function isUniqueViolation(err: unknown): boolean {
  return (
    err instanceof Database.SqliteError &&
    (err.code === 'SQLITE_CONSTRAINT_UNIQUE' || err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
  )
}

function conflictOn<T>(message: string, action: () => T): T {
  try {
    return action()
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new StoreConflictError(message)
    }
    throw err
  }
}

/**
 * A table rebuild ran with foreign keys off: before it commits, every reference must still
 * resolve (else the rebuild lost or renamed rows, and the transaction rolls back).
 */
function assertForeignKeysHold(db: Db, version: number): void {
  const broken = db.pragma('foreign_key_check') as { table: string }[]
  if (broken.length > 0) {
    const tables = [...new Set(broken.map((row) => row.table))].join(', ')
    throw new Error(
      `migration ${version} would leave ${broken.length} broken reference(s) in ${tables}`
    )
  }
}

/** Parses many stored events with one JSON.parse: far cheaper than one call per row. */
function parseEvents(bodies: string[]): JournalEvent[] {
  return bodies.length === 0 ? [] : (JSON.parse(`[${bodies.join(',')}]`) as JournalEvent[])
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const
  readonly #db: Db
  readonly sql: Sql
  #statements?: Statements
  /** Statements built per query shape (listRuns filters, listEvents exclusions), by SQL. */
  readonly #shapes = new Map<string, Stmt<unknown[]>>()
  #closed = false

  /** Opens (creating if needed) the database file; call `migrate()` before anything else. */
  constructor(file: string) {
    this.#db = new Database(file)
    // WAL lets readers (the UI, SSE) proceed while a run appends; NORMAL is durable across
    // process crashes in WAL mode, and only risks the last commits on power loss.
    this.#db.pragma('journal_mode = WAL')
    this.#db.pragma('synchronous = NORMAL')
    this.#db.pragma('foreign_keys = ON')
    this.#db.pragma('busy_timeout = 5000')
    this.sql = sqliteSql(this.#db)
  }

  get #s(): Statements {
    this.#statements ??= prepare(this.#db)
    return this.#statements
  }

  async migrate(): Promise<void> {
    this.#db.exec(MIGRATIONS_TABLE.sqlite)
    const applied = this.#db.prepare<[number], number>(
      'SELECT count(*) FROM schema_migrations WHERE version = ?'
    )
    const record = this.#db.prepare<[number, string]>(
      'INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)'
    )
    applied.pluck()
    for (const migration of MIGRATIONS) {
      const rebuild = migration.sqliteForeignKeysOff === true
      // Checked inside the write transaction, so two processes cannot both apply it.
      const apply = this.#db.transaction(() => {
        if (applied.get(migration.version) === 0) {
          this.#db.exec(migration.sqlite)
          if (migration.backfillLabels !== undefined) {
            this.#backfillLabels(migration.backfillLabels)
          }
          if (rebuild) {
            assertForeignKeysHold(this.#db, migration.version)
          }
          record.run(migration.version, new Date().toISOString())
        }
      })
      // The pragma is a no-op inside a transaction: it is set around it.
      if (rebuild) {
        this.#db.pragma('foreign_keys = OFF')
      }
      try {
        apply.immediate()
      } finally {
        if (rebuild) {
          this.#db.pragma('foreign_keys = ON')
        }
      }
    }
  }

  async holdServerLock(): Promise<boolean> {
    // The SQLite file lives in the data directory, whose lock file the server already holds.
    return true
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true
      this.#db.close()
    }
  }

  async createUser(user: User): Promise<User> {
    conflictOn(`user ${user.id} already exists`, () =>
      this.#s.insertUser.run(user.id, user.name, user.role, user.createdAt)
    )
    return { ...user }
  }

  async getUser(id: string): Promise<User | undefined> {
    const row = this.#s.getUser.get(id)
    return row && toUser(row)
  }

  async listUsers(): Promise<User[]> {
    return this.#s.listUsers.all().map(toUser)
  }

  async countUsers(): Promise<number> {
    return this.#s.countUsers.get() ?? 0
  }

  async updateUserRole(id: string, role: Role): Promise<User | undefined> {
    const row = this.#s.updateRole.get(role, id)
    return row && toUser(row)
  }

  async deleteUser(id: string): Promise<boolean> {
    // Tokens go with the user through ON DELETE CASCADE.
    return this.#s.deleteUser.run(id).changes > 0
  }

  async createToken(token: NewToken): Promise<ApiToken> {
    conflictOn(`token ${token.id} already exists`, () =>
      this.#s.insertToken.run(
        token.id,
        token.name,
        token.userId,
        token.role,
        token.hash,
        token.oneTime === true ? 1 : 0,
        token.session === true ? 1 : 0,
        token.createdAt,
        token.expiresAt ?? null
      )
    )
    return toToken({
      id: token.id,
      name: token.name,
      user_id: token.userId,
      role: token.role,
      hash: token.hash,
      one_time: token.oneTime === true,
      session: token.session === true,
      created_at: token.createdAt,
      last_used_at: null,
      expires_at: token.expiresAt ?? null,
    })
  }

  async findToken(hash: string, now: string): Promise<TokenRecord | undefined> {
    const row = this.#s.findToken.get(hash, now)
    return row && toTokenRecord(row)
  }

  async listTokens(userId?: string): Promise<ApiToken[]> {
    const rows =
      userId === undefined ? this.#s.listTokens.all() : this.#s.listUserTokens.all(userId)
    return rows.map(toToken)
  }

  async touchToken(id: string, at: string): Promise<void> {
    this.#s.touchToken.run(at, id)
  }

  async deleteToken(id: string): Promise<boolean> {
    return this.#s.deleteToken.run(id).changes > 0
  }

  async deleteLoginCodes(userId: string): Promise<number> {
    return this.#s.deleteLoginCodes.run(userId).changes
  }

  async deleteUserTokens(userId: string): Promise<number> {
    return this.#s.deleteUserTokens.run(userId).changes
  }

  async createExperiment(experiment: NewExperiment): Promise<Experiment> {
    const { id, name, hypothesis, yaml, createdBy, createdByName, createdAt } = experiment
    const labels = labelsText(experiment.labels)
    const create = this.#db.transaction(() => {
      this.#s.insertExperiment.run(
        id,
        name,
        hypothesis,
        createdBy,
        createdByName,
        createdAt,
        createdAt,
        labels
      )
      this.#insertVersion(id, 1, experiment)
    })
    conflictOn(`an experiment named "${name}" already exists`, () => create.immediate())
    return toExperiment(
      {
        id,
        name,
        hypothesis,
        version: 1,
        created_by: createdBy,
        created_by_name: createdByName,
        created_at: createdAt,
        updated_at: createdAt,
        labels,
        running_runs: 0,
        yaml,
      },
      []
    )
  }

  #insertVersion(id: string, version: number, from: NewVersion): void {
    this.#s.insertVersion.run(
      id,
      version,
      from.yaml,
      from.createdBy,
      from.createdByName,
      from.createdVia ?? null,
      from.createdAt
    )
  }

  /** The next version's number: after the highest, current or not (addVersion). */
  #nextVersion(id: string): number {
    return (this.#s.maxVersion.get(id) ?? 0) + 1
  }

  async updateExperiment(id: string, update: ExperimentUpdate): Promise<Experiment | undefined> {
    const apply = this.#db.transaction((): boolean => {
      const current = this.#s.getExperimentRow.get(id)
      if (current === undefined) {
        return false
      }
      if (update.expectedVersion !== undefined && update.expectedVersion !== current.version) {
        throw new StoreConflictError(
          `experiment "${current.name}" is at version ${current.version}, not ${update.expectedVersion}`
        )
      }
      const version = this.#nextVersion(id)
      this.#insertVersion(id, version, update)
      this.#s.bumpExperiment.run(
        update.name,
        update.hypothesis,
        version,
        update.createdAt,
        labelsText(update.labels),
        id
      )
      return true
    })
    const updated = conflictOn(`an experiment named "${update.name}" already exists`, () =>
      apply.immediate()
    )
    return updated ? this.getExperiment(id) : undefined
  }

  async addVersion(id: string, version: NewVersion): Promise<ExperimentVersionInfo | undefined> {
    const add = this.#db.transaction((): ExperimentVersionInfo | undefined => {
      if (this.#s.getExperimentRow.get(id) === undefined) {
        return undefined
      }
      const known = this.#s.findVersionByYaml.get(id, version.yaml)
      const existing = known === undefined ? undefined : this.#s.getVersionInfo.get(id, known)
      if (existing !== undefined) {
        return toVersionInfo(existing)
      }
      const number = this.#nextVersion(id)
      this.#insertVersion(id, number, version)
      return toVersionInfo({
        experiment_id: id,
        version: number,
        created_by: version.createdBy,
        created_by_name: version.createdByName,
        created_via: version.createdVia ?? null,
        created_at: version.createdAt,
      })
    })
    return add.immediate()
  }

  async findVersionByYaml(id: string, yaml: string): Promise<number | undefined> {
    return this.#s.findVersionByYaml.get(id, yaml)
  }

  /** Migration 2's data step, inside its transaction (prepared here: the columns are new). */
  #backfillLabels(derive: (yaml: string) => Record<string, string>): void {
    const rows = this.#db.prepare<[], { id: string; yaml: string }>(LABELS_BACKFILL.select).all()
    const set = this.#db.prepare<[string, string]>(LABELS_BACKFILL.update.sqlite)
    for (const row of rows) {
      set.run(labelsText(derive(row.yaml)), row.id)
    }
  }

  async getExperiment(id: string): Promise<Experiment | undefined> {
    const row = this.#s.getExperiment.get(id)
    return row && toExperiment(row, this.#recentScores(row.id))
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    const row = this.#s.getExperimentByName.get(name)
    return row && toExperiment(row, this.#recentScores(row.id))
  }

  async listExperiments(): Promise<ExperimentSummary[]> {
    // One indexed query per experiment: cheap in-process, and it reads only 20 runs each.
    const list = this.#db.transaction(() =>
      this.#s.listExperiments.all().map((row) => toSummary(row, this.#recentScores(row.id)))
    )
    return list.deferred()
  }

  /** The experiment's most recent runs, oldest first. */
  #recentScores(experimentId: string) {
    return this.#s.recentScores.all(experimentId, RECENT_SCORES).reverse().map(toScorePoint)
  }

  async listExperimentVersions(
    id: string,
    query: VersionQuery = {}
  ): Promise<ExperimentVersionInfo[]> {
    return this.#s.listVersions
      .all(id, query.before ?? Number.MAX_SAFE_INTEGER, query.limit ?? DEFAULT_VERSION_LIMIT)
      .map(toVersionInfo)
  }

  async getExperimentVersion(id: string, version: number): Promise<ExperimentVersion | undefined> {
    const row = this.#s.getVersion.get(id, version)
    return row && toVersion(row)
  }

  async deleteExperiment(id: string): Promise<boolean> {
    // Versions, runs and events go with it through ON DELETE CASCADE, in this one statement.
    return this.#s.deleteExperiment.run(id).changes > 0
  }

  async createRun(run: NewRun): Promise<RunSummary> {
    const row = conflictOn(`run ${run.id} already exists`, () =>
      this.#s.insertRun.get(
        run.id,
        run.experimentVersion,
        run.source,
        ...placementValues(run),
        run.startedAt,
        run.startedBy,
        run.startedByName,
        run.startedVia ?? null,
        run.experimentId
      )
    )
    if (row === undefined) {
      throw new Error(`cannot create run ${run.id}: experiment ${run.experimentId} does not exist`)
    }
    return toRunSummary(row)
  }

  async appendEvents(runId: string, events: readonly JournalEvent[]): Promise<void> {
    const insert = this.#s.insertEvent
    const append = this.#db.transaction(() => {
      for (const event of events) {
        insert.run(runId, event.seq, event.t, event.type, JSON.stringify(event))
      }
    })
    append.immediate()
  }

  async finishRun(runId: string, end: RunEnd): Promise<boolean> {
    const result = end.result === undefined ? null : JSON.stringify(end.result)
    const info = this.#s.finishRun.run(
      end.status,
      end.verdict,
      end.score,
      end.reason ?? null,
      end.endedAt,
      result,
      runId
    )
    return info.changes > 0
  }

  async getRun(id: string): Promise<Run | undefined> {
    const row = this.#s.getRun.get(id)
    return row && toRun(row)
  }

  async getRunSummary(id: string): Promise<RunSummary | undefined> {
    const row = this.#s.getRunSummary.get(id)
    return row && toRunSummary(row)
  }

  async listRuns(query: RunQuery = {}): Promise<RunSummary[]> {
    const where: string[] = []
    const params: (string | number)[] = []
    if (query.experimentId !== undefined) {
      where.push('experiment_id = ?')
      params.push(query.experimentId)
    }
    if (query.status !== undefined) {
      where.push('status = ?')
      params.push(query.status)
    }
    if (query.before !== undefined) {
      // Keyset on (started_at, id): runs started in the same millisecond still page exactly.
      where.push('(started_at, id) < (SELECT started_at, id FROM runs WHERE id = ?)')
      params.push(query.before)
    }
    const sql = `SELECT ${RUN_COLUMNS} FROM runs
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY started_at DESC, id DESC LIMIT ?`
    params.push(query.limit ?? DEFAULT_RUN_LIMIT)
    return this.#cached<RunRow>(sql)
      .all(...params)
      .map(toRunSummary)
  }

  async listEvents(runId: string, query: EventQuery = {}): Promise<JournalEvent[]> {
    const excluded = query.excludeTypes ?? []
    const others = excluded.filter((type) => type !== 'op')
    const read = this.#eventRead(excluded.includes('op'), others.length)
    // seq starts at 0, so "from the start" is after -1.
    const bodies = read.all(
      runId,
      query.after ?? -1,
      untilOf(query),
      ...others,
      query.limit ?? DEFAULT_EVENT_LIMIT
    )
    return parseEvents(bodies)
  }

  async listEventTexts(runId: string, query: EventQuery = {}): Promise<EventText[]> {
    const excluded = query.excludeTypes ?? []
    const others = excluded.filter((type) => type !== 'op')
    const read = this.#eventRead(excluded.includes('op'), others.length, 'seq, body AS json')
    return read.all(
      runId,
      query.after ?? -1,
      untilOf(query),
      ...others,
      query.limit ?? DEFAULT_EVENT_LIMIT
    ) as unknown as EventText[]
  }

  /**
   * `type <> 'op'` is written as a literal, not a parameter, so SQLite can see that the partial
   * index `run_events_not_op` applies; other excluded types are parameters.
   */
  #eventRead(excludeOp: boolean, others: number, columns = 'body'): Stmt<unknown[], string> {
    const filters = [
      excludeOp ? "AND type <> 'op'" : '',
      others > 0 ? `AND type NOT IN (${Array(others).fill('?').join(', ')})` : '',
    ]
    return this.#cached<string>(
      `SELECT ${columns} FROM run_events WHERE run_id = ? AND seq > ? AND seq <= ? ${filters.join(' ')}
       ORDER BY seq LIMIT ?`,
      columns === 'body'
    )
  }

  /** The statement for this SQL, prepared on first use; `pluck` returns the first column. */
  #cached<R>(sql: string, pluck = false): Stmt<unknown[], R> {
    let statement = this.#shapes.get(sql)
    if (statement === undefined) {
      statement = this.#db.prepare<unknown[]>(sql).pluck(pluck)
      this.#shapes.set(sql, statement)
    }
    return statement as Stmt<unknown[], R>
  }

  async countEvents(runId: string): Promise<number> {
    return this.#s.countEvents.get(runId) ?? 0
  }

  async interruptRunning(at: string): Promise<string[]> {
    return this.#s.interruptRunning.all(INTERRUPTED_REASON, at)
  }

  async markDispatched(runId: string, agent: string, reason: string): Promise<boolean> {
    return this.#s.markDispatched.run(agent, reason, runId).changes > 0
  }

  async markRunning(runId: string, agent: string, at: string): Promise<boolean> {
    return this.#s.markRunning.run(agent, at, runId).changes > 0
  }

  async requeue(runId: string, reason: string): Promise<boolean> {
    return this.#s.requeue.run(reason, runId).changes > 0
  }

  async setQueueReason(runId: string, reason: string): Promise<void> {
    this.#s.setQueueReason.run(reason, runId)
  }

  async endQueued(runId: string, end: RunEnd): Promise<boolean> {
    return this.#s.endQueued.run(...endValues(end), runId).changes > 0
  }

  async contiguousSeq(runId: string): Promise<number> {
    return this.#s.contiguousSeq.get(runId, runId) ?? -1
  }

  async markLateReport(runId: string): Promise<void> {
    this.#s.markLateReport.run(runId)
  }

  async updateRunEnd(runId: string, end: RunEnd): Promise<boolean> {
    return this.#s.updateRunEnd.run(...endValues(end), runId).changes > 0
  }

  async isLateReport(runId: string): Promise<boolean> {
    return (this.#s.isLateReport.get(runId) ?? 0) > 0
  }

  async upsertAgent(agent: AgentRecord): Promise<void> {
    this.#s.upsertAgent.run(...agentValues(agent))
  }

  async listAgents(): Promise<AgentRecord[]> {
    return this.#s.listAgents.all().map(toAgent)
  }

  async agentNames(): Promise<string[]> {
    return this.#s.agentNames.all()
  }

  async putBundle(runId: string, bundle: RunBundle): Promise<void> {
    const data = bundle.data === undefined ? null : Buffer.from(bundle.data, 'base64')
    this.#s.putBundle.run(runId, JSON.stringify(bundle.vars), data, data?.length ?? 0)
  }

  async getBundle(runId: string): Promise<RunBundle | undefined> {
    const row = this.#s.getBundle.get(runId)
    return row && toBundle(row)
  }

  async deleteBundle(runId: string): Promise<void> {
    this.#s.deleteBundle.run(runId)
  }

  async putRunPart(part: RunPartRecord): Promise<void> {
    this.#s.putRunPart.run(...runPartValues(part))
  }

  async listRunParts(runId: string): Promise<RunPartRecord[]> {
    return this.#s.listRunParts.all(runId).map(toRunPart)
  }
}

/** A RunEnd as the values of `status, verdict, score, reason, ended_at, result`. */
function endValues(end: RunEnd): [string, string, number, string | null, string, string | null] {
  return [
    end.status,
    end.verdict,
    end.score,
    end.reason ?? null,
    end.endedAt,
    end.result === undefined ? null : JSON.stringify(end.result),
  ]
}
