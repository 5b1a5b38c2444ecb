/**
 * The store for teams: PostgreSQL, chosen with `DATABASE_URL=postgres://...`, so several users
 * share one Chaos Center whose data lives in a managed database. Same contract and schema as the
 * SQLite store; statements that must be atomic together run in one transaction on one pooled
 * client, and optimistic concurrency on experiments takes a row lock (`SELECT ... FOR UPDATE`).
 * @module
 */
import pg from 'pg'
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
  ScorePoint,
  User,
} from '../../shared/api.js'
import { postgresSql, type Sql } from './sql.js'
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
  RECENT_SCORES,
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

/** The pool, or one of its clients inside a transaction. */
type Queryable = pg.Pool | pg.PoolClient

/** An experiment's running runs, counted through runs_status_started. */
const RUNNING_RUNS = `(SELECT count(*)::int FROM runs r
  WHERE r.status = 'running' AND r.experiment_id = e.id) AS running_runs`

const EXPERIMENT_YAML = `SELECT e.*, v.yaml, ${RUNNING_RUNS} FROM experiments e
  JOIN experiment_versions v ON v.experiment_id = e.id AND v.version = e.version`

const RECENT_SCORES_SQL = `SELECT experiment_id, id, started_at, status, verdict, score FROM runs
  WHERE experiment_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2`

/** Serializes concurrent `migrate()` calls (two servers starting on one database). */
const MIGRATION_LOCK = `SELECT pg_advisory_xact_lock(hashtext('ordeal schema_migrations'))`

/** The one-server-per-database lock (Store.holdServerLock); its own key, not the migrations'. */
const SERVER_LOCK = `SELECT pg_try_advisory_lock(hashtext('ordeal server')) AS locked`

/** SQLSTATE unique_violation: a name or id already in use. */
function isUniqueViolation(err: unknown): boolean {
  return err instanceof Error && (err as Error & { code?: unknown }).code === '23505'
}

async function conflictOn<T>(message: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action()
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new StoreConflictError(message)
    }
    throw err
  }
}

async function query<R extends pg.QueryResultRow>(
  db: Queryable,
  text: string,
  values: unknown[] = []
): Promise<R[]> {
  return (await db.query<R>(text, values)).rows
}

/** The next version's number: after the highest, current or not (addVersion). */
async function nextVersion(db: Queryable, id: string): Promise<number> {
  const [row] = await query<{ max: number | null }>(
    db,
    'SELECT max(version) AS max FROM experiment_versions WHERE experiment_id = $1',
    [id]
  )
  return (row?.max ?? 0) + 1
}

async function insertVersion(
  db: Queryable,
  id: string,
  version: number,
  from: NewVersion
): Promise<void> {
  await db.query(
    `INSERT INTO experiment_versions (experiment_id, version, yaml, created_by, created_by_name,
       created_via, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      id,
      version,
      from.yaml,
      from.createdBy,
      from.createdByName,
      from.createdVia ?? null,
      from.createdAt,
    ]
  )
}

async function changed(db: Queryable, text: string, values: unknown[]): Promise<boolean> {
  return ((await db.query(text, values)).rowCount ?? 0) > 0
}

/** Migration 2's data step, inside its transaction. */
async function backfillLabels(
  db: Queryable,
  derive: (yaml: string) => Record<string, string>
): Promise<void> {
  for (const row of await query<{ id: string; yaml: string }>(db, LABELS_BACKFILL.select)) {
    await db.query(LABELS_BACKFILL.update.postgres, [labelsText(derive(row.yaml)), row.id])
  }
}

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const
  readonly #pool: pg.Pool
  readonly sql: Sql
  readonly #connectionString: string
  /** The connection holding the server lock: a session lock lives as long as its session. */
  #lockClient?: pg.Client
  #closed = false

  /** Connects lazily; `migrate()` is the first query and reports an unreachable server. */
  constructor(connectionString: string) {
    this.#connectionString = connectionString
    this.#pool = new pg.Pool({ connectionString, max: 10, connectionTimeoutMillis: 10_000 })
    // An idle client whose connection dropped: the pool discards it, and the next query either
    // reconnects or fails with the real error. Without a listener this would crash the server.
    this.#pool.on('error', () => undefined)
    this.sql = postgresSql(this.#pool)
  }

  /** Runs `work` in one transaction on one client; rolls back on any error. */
  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect()
    let broken = false
    try {
      await client.query('BEGIN')
      const result = await work(client)
      await client.query('COMMIT')
      return result
    } catch (err) {
      // A client that cannot even roll back is not given back to the pool.
      await client.query('ROLLBACK').catch(() => {
        broken = true
      })
      throw err
    } finally {
      client.release(broken)
    }
  }

  async migrate(): Promise<void> {
    for (const migration of MIGRATIONS) {
      await this.#transaction(async (client) => {
        await client.query(MIGRATION_LOCK)
        await client.query(MIGRATIONS_TABLE.postgres)
        const done = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [
          migration.version,
        ])
        if (done.rowCount === 0) {
          await client.query(migration.postgres)
          if (migration.backfillLabels !== undefined) {
            await backfillLabels(client, migration.backfillLabels)
          }
          await client.query(
            'INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)',
            [migration.version, new Date().toISOString()]
          )
        }
      })
    }
  }

  async holdServerLock(): Promise<boolean> {
    if (this.#lockClient !== undefined) {
      return true
    }
    // Not a pooled client: the pool would hand the session (and its lock) to other queries
    // and may close it when idle.
    const client = new pg.Client({
      connectionString: this.#connectionString,
      connectionTimeoutMillis: 10_000,
    })
    // A dropped connection loses the lock; it must not crash the server meanwhile.
    client.on('error', () => undefined)
    await client.connect()
    const [row] = (await client.query<{ locked: boolean }>(SERVER_LOCK)).rows
    if (row?.locked !== true) {
      await client.end()
      return false
    }
    this.#lockClient = client
    return true
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true
      await this.#lockClient?.end().catch(() => undefined)
      await this.#pool.end()
    }
  }

  async createUser(user: User): Promise<User> {
    await conflictOn(`user ${user.id} already exists`, () =>
      this.#pool.query('INSERT INTO users (id, name, role, created_at) VALUES ($1, $2, $3, $4)', [
        user.id,
        user.name,
        user.role,
        user.createdAt,
      ])
    )
    return { ...user }
  }

  async getUser(id: string): Promise<User | undefined> {
    const [row] = await query<UserRow>(this.#pool, 'SELECT * FROM users WHERE id = $1', [id])
    return row && toUser(row)
  }

  async listUsers(): Promise<User[]> {
    const rows = await query<UserRow>(this.#pool, 'SELECT * FROM users ORDER BY created_at, id')
    return rows.map(toUser)
  }

  async countUsers(): Promise<number> {
    const [row] = await query<{ n: number }>(this.#pool, 'SELECT count(*)::int AS n FROM users')
    return row?.n ?? 0
  }

  async updateUserRole(id: string, role: Role): Promise<User | undefined> {
    const [row] = await query<UserRow>(
      this.#pool,
      'UPDATE users SET role = $1 WHERE id = $2 RETURNING *',
      [role, id]
    )
    return row && toUser(row)
  }

  async deleteUser(id: string): Promise<boolean> {
    // Tokens go with the user through ON DELETE CASCADE.
    return changed(this.#pool, 'DELETE FROM users WHERE id = $1', [id])
  }

  async createToken(token: NewToken): Promise<ApiToken> {
    const [row] = await conflictOn(`token ${token.id} already exists`, () =>
      query<TokenRow>(
        this.#pool,
        `INSERT INTO tokens (id, name, user_id, role, hash, one_time, session, created_at,
           expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [
          token.id,
          token.name,
          token.userId,
          token.role,
          token.hash,
          token.oneTime === true,
          token.session === true,
          token.createdAt,
          token.expiresAt ?? null,
        ]
      )
    )
    if (row === undefined) {
      throw new Error(`token ${token.id} was not stored`)
    }
    return toToken(row)
  }

  async findToken(hash: string, now: string): Promise<TokenRecord | undefined> {
    const [row] = await query<TokenUserRow>(
      this.#pool,
      `SELECT t.*, u.name AS user_name, u.role AS user_role, u.created_at AS user_created_at
       FROM tokens t JOIN users u ON u.id = t.user_id
       WHERE t.hash = $1 AND (t.expires_at IS NULL OR t.expires_at > $2)`,
      [hash, now]
    )
    return row && toTokenRecord(row)
  }

  async listTokens(userId?: string): Promise<ApiToken[]> {
    // One-time login codes are not API tokens a user manages: they are left out of listings.
    const rows = await query<TokenRow>(
      this.#pool,
      `SELECT * FROM tokens WHERE NOT one_time AND ($1::text IS NULL OR user_id = $1)
       ORDER BY created_at, id`,
      [userId ?? null]
    )
    return rows.map(toToken)
  }

  async touchToken(id: string, at: string): Promise<void> {
    await this.#pool.query('UPDATE tokens SET last_used_at = $1 WHERE id = $2', [at, id])
  }

  async deleteToken(id: string): Promise<boolean> {
    return changed(this.#pool, 'DELETE FROM tokens WHERE id = $1', [id])
  }

  async deleteLoginCodes(userId: string): Promise<number> {
    const result = await this.#pool.query(
      'DELETE FROM tokens WHERE user_id = $1 AND one_time = TRUE',
      [userId]
    )
    return result.rowCount ?? 0
  }

  async deleteUserTokens(userId: string): Promise<number> {
    const result = await this.#pool.query('DELETE FROM tokens WHERE user_id = $1', [userId])
    return result.rowCount ?? 0
  }

  async createExperiment(experiment: NewExperiment): Promise<Experiment> {
    const { id, name, hypothesis, yaml, createdBy, createdByName, createdAt } = experiment
    const labels = labelsText(experiment.labels)
    await conflictOn(`an experiment named "${name}" already exists`, () =>
      this.#transaction(async (client) => {
        await client.query(
          `INSERT INTO experiments (id, name, hypothesis, version, created_by, created_by_name,
             created_at, updated_at, labels) VALUES ($1, $2, $3, 1, $4, $5, $6, $6, $7)`,
          [id, name, hypothesis, createdBy, createdByName, createdAt, labels]
        )
        await insertVersion(client, id, 1, experiment)
      })
    )
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

  async updateExperiment(id: string, update: ExperimentUpdate): Promise<Experiment | undefined> {
    return conflictOn(`an experiment named "${update.name}" already exists`, () =>
      this.#transaction(async (client) => {
        // The row lock makes the version check and the new version one step: a concurrent
        // update waits here, then sees the version this one wrote.
        const [current] = await query<Pick<ExperimentRow, 'name' | 'version'>>(
          client,
          'SELECT name, version FROM experiments WHERE id = $1 FOR UPDATE',
          [id]
        )
        if (current === undefined) {
          return undefined
        }
        if (update.expectedVersion !== undefined && update.expectedVersion !== current.version) {
          throw new StoreConflictError(
            `experiment "${current.name}" is at version ${current.version}, not ${update.expectedVersion}`
          )
        }
        const version = await nextVersion(client, id)
        await insertVersion(client, id, version, update)
        await client.query(
          `UPDATE experiments SET name = $1, hypothesis = $2, version = $3, updated_at = $4,
             labels = $5 WHERE id = $6`,
          [update.name, update.hypothesis, version, update.createdAt, labelsText(update.labels), id]
        )
        return this.#experiment(client, 'e.id', id)
      })
    )
  }

  async addVersion(id: string, version: NewVersion): Promise<ExperimentVersionInfo | undefined> {
    return this.#transaction(async (client) => {
      // The row lock orders this with updateExperiment: both number after the highest version.
      const [exists] = await query(client, 'SELECT 1 FROM experiments WHERE id = $1 FOR UPDATE', [
        id,
      ])
      if (exists === undefined) {
        return undefined
      }
      const [known] = await query<Omit<VersionRow, 'yaml'>>(
        client,
        `SELECT ${VERSION_INFO_COLUMNS} FROM experiment_versions
         WHERE experiment_id = $1 AND yaml = $2 ORDER BY version DESC LIMIT 1`,
        [id, version.yaml]
      )
      if (known !== undefined) {
        return toVersionInfo(known)
      }
      const number = await nextVersion(client, id)
      await insertVersion(client, id, number, version)
      return toVersionInfo({
        experiment_id: id,
        version: number,
        created_by: version.createdBy,
        created_by_name: version.createdByName,
        created_via: version.createdVia ?? null,
        created_at: version.createdAt,
      })
    })
  }

  async findVersionByYaml(id: string, yaml: string): Promise<number | undefined> {
    const [row] = await query<{ version: number }>(
      this.#pool,
      `SELECT version FROM experiment_versions WHERE experiment_id = $1 AND yaml = $2
       ORDER BY version DESC LIMIT 1`,
      [id, yaml]
    )
    return row?.version
  }

  async getExperiment(id: string): Promise<Experiment | undefined> {
    return this.#experiment(this.#pool, 'e.id', id)
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    return this.#experiment(this.#pool, 'e.name', name)
  }

  async #experiment(
    db: Queryable,
    column: 'e.id' | 'e.name',
    value: string
  ): Promise<Experiment | undefined> {
    const [row] = await query<ExperimentYamlRow>(db, `${EXPERIMENT_YAML} WHERE ${column} = $1`, [
      value,
    ])
    if (row === undefined) {
      return undefined
    }
    const scores = await query<ScoreRow>(db, RECENT_SCORES_SQL, [row.id, RECENT_SCORES])
    return toExperiment(row, scores.reverse().map(toScorePoint))
  }

  async listExperiments(): Promise<ExperimentSummary[]> {
    // One statement, so the list and its scores come from one snapshot; the lateral join reads
    // at most 20 runs per experiment through runs_experiment_started.
    const rows = await query<ExperimentRow & { run: ScoreRow | null }>(
      this.#pool,
      `SELECT e.*, ${RUNNING_RUNS}, CASE WHEN r.id IS NULL THEN NULL ELSE json_build_object(
           'experiment_id', e.id, 'id', r.id, 'started_at', r.started_at, 'status', r.status,
           'verdict', r.verdict, 'score', r.score) END AS run
       FROM experiments e LEFT JOIN LATERAL (
         SELECT id, started_at, status, verdict, score FROM runs
         WHERE experiment_id = e.id ORDER BY started_at DESC, id DESC LIMIT $1
       ) r ON true
       ORDER BY e.name, r.started_at, r.id`,
      [RECENT_SCORES]
    )
    const summaries: ExperimentSummary[] = []
    let scores: ScorePoint[] = []
    for (const row of rows) {
      const previous = summaries.at(-1)
      if (previous?.id !== row.id) {
        scores = []
        const { run: _run, ...experiment } = row
        summaries.push(toSummary(experiment, scores))
      }
      if (row.run !== null) {
        scores.push(toScorePoint(row.run))
      }
    }
    for (const summary of summaries) {
      const last = summary.recentScores.at(-1)
      if (last !== undefined) {
        summary.lastRun = last
      }
    }
    return summaries
  }

  async listExperimentVersions(
    id: string,
    options: VersionQuery = {}
  ): Promise<ExperimentVersionInfo[]> {
    // Keyset page, newest first; the YAML stays behind (getExperimentVersion reads one).
    const rows = await query<Omit<VersionRow, 'yaml'>>(
      this.#pool,
      `SELECT ${VERSION_INFO_COLUMNS} FROM experiment_versions
       WHERE experiment_id = $1 AND version < $2 ORDER BY version DESC LIMIT $3`,
      [id, options.before ?? 2 ** 31 - 1, options.limit ?? DEFAULT_VERSION_LIMIT]
    )
    return rows.map(toVersionInfo)
  }

  async getExperimentVersion(id: string, version: number): Promise<ExperimentVersion | undefined> {
    const [row] = await query<VersionRow>(
      this.#pool,
      'SELECT * FROM experiment_versions WHERE experiment_id = $1 AND version = $2',
      [id, version]
    )
    return row && toVersion(row)
  }

  async deleteExperiment(id: string): Promise<boolean> {
    // Versions, runs and events go with it through ON DELETE CASCADE, in this one statement
    // (hence one transaction).
    return changed(this.#pool, 'DELETE FROM experiments WHERE id = $1', [id])
  }

  async createRun(run: NewRun): Promise<RunSummary> {
    // The name is copied from the experiment in the same statement: no row when it is missing.
    const [row] = await conflictOn(`run ${run.id} already exists`, () =>
      query<RunRow>(
        this.#pool,
        `INSERT INTO runs (id, experiment_id, experiment_version, experiment_name, source, status,
           placement, queue_deadline, lease_ms, started_at, started_by, started_by_name,
           started_via)
         SELECT $1, e.id, $2, e.name, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM experiments e
         WHERE e.id = $12
         RETURNING ${RUN_COLUMNS}`,
        [
          run.id,
          run.experimentVersion,
          run.source,
          ...placementValues(run),
          run.startedAt,
          run.startedBy,
          run.startedByName,
          run.startedVia ?? null,
          run.experimentId,
        ]
      )
    )
    if (row === undefined) {
      throw new Error(`cannot create run ${run.id}: experiment ${run.experimentId} does not exist`)
    }
    return toRunSummary(row)
  }

  async appendEvents(runId: string, events: readonly JournalEvent[]): Promise<void> {
    if (events.length === 0) {
      return
    }
    // One statement per batch, so one round trip and atomic by itself; DO NOTHING makes a
    // retried batch (or an overlapping one) a no-op for the events already stored.
    await this.#pool.query({
      name: 'ordeal-append-events',
      text: `INSERT INTO run_events (run_id, seq, t, type, body)
        SELECT $1, e.seq, e.t, e.type, e.body
        FROM unnest($2::int[], $3::float8[], $4::text[], $5::json[]) AS e (seq, t, type, body)
        ON CONFLICT DO NOTHING`,
      values: [
        runId,
        events.map((event) => event.seq),
        events.map((event) => event.t),
        events.map((event) => event.type),
        events.map((event) => JSON.stringify(event)),
      ],
    })
  }

  async finishRun(runId: string, end: RunEnd): Promise<boolean> {
    // The status condition makes the check and the update one atomic statement.
    return changed(
      this.#pool,
      `UPDATE runs SET status = $1, verdict = $2, score = $3, reason = $4, ended_at = $5,
         result = $6::json
       WHERE id = $7 AND status = 'running'`,
      [
        end.status,
        end.verdict,
        end.score,
        end.reason ?? null,
        end.endedAt,
        end.result === undefined ? null : JSON.stringify(end.result),
        runId,
      ]
    )
  }

  async getRun(id: string): Promise<Run | undefined> {
    const [row] = await query<RunResultRow>(
      this.#pool,
      `SELECT r.*, (SELECT count(*)::int FROM run_events WHERE run_id = r.id) AS event_count
       FROM runs r WHERE r.id = $1`,
      [id]
    )
    return row && toRun(row)
  }

  async getRunSummary(id: string): Promise<RunSummary | undefined> {
    const [row] = await query<RunRow>(this.#pool, `SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1`, [
      id,
    ])
    return row && toRunSummary(row)
  }

  async listRuns(options: RunQuery = {}): Promise<RunSummary[]> {
    const where: string[] = []
    const values: unknown[] = []
    const param = (value: unknown) => {
      values.push(value)
      return `$${values.length}`
    }
    if (options.experimentId !== undefined) {
      where.push(`experiment_id = ${param(options.experimentId)}`)
    }
    if (options.status !== undefined) {
      where.push(`status = ${param(options.status)}`)
    }
    if (options.before !== undefined) {
      // Keyset on (started_at, id): runs started in the same millisecond still page exactly.
      where.push(
        `(started_at, id) < (SELECT started_at, id FROM runs WHERE id = ${param(options.before)})`
      )
    }
    const rows = await query<RunRow>(
      this.#pool,
      `SELECT ${RUN_COLUMNS} FROM runs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY started_at DESC, id DESC LIMIT ${param(options.limit ?? DEFAULT_RUN_LIMIT)}`,
      values
    )
    return rows.map(toRunSummary)
  }

  async listEvents(runId: string, options: EventQuery = {}): Promise<JournalEvent[]> {
    // `pg` parses json columns, so body is the event object itself.
    const rows = await this.#readEvents<{ body: JournalEvent }>('body', runId, options)
    return rows.map((row) => row.body)
  }

  async listEventTexts(runId: string, options: EventQuery = {}): Promise<EventText[]> {
    // `json` keeps the text as given: ::text returns it without a parse on either side.
    return this.#readEvents<{ seq: number; json: string }>(
      'seq, body::text AS json',
      runId,
      options
    )
  }

  #readEvents<R extends pg.QueryResultRow>(
    columns: string,
    runId: string,
    options: EventQuery
  ): Promise<R[]> {
    const excluded = options.excludeTypes ?? []
    const others = excluded.filter((type) => type !== 'op')
    // `type <> 'op'` is a literal, not a parameter, so the planner can use the partial index
    // run_events_not_op; other excluded types are a parameter.
    const filters = [
      excluded.includes('op') ? "AND type <> 'op'" : '',
      others.length > 0 ? 'AND type <> ALL($5::text[])' : '',
    ]
    // seq starts at 0, so "from the start" is after -1.
    const values: unknown[] = [
      runId,
      options.after ?? -1,
      options.limit ?? DEFAULT_EVENT_LIMIT,
      untilOf(options),
    ]
    if (others.length > 0) {
      values.push(others)
    }
    return query<R>(
      this.#pool,
      `SELECT ${columns} FROM run_events WHERE run_id = $1 AND seq > $2 AND seq <= $4
       ${filters.join(' ')} ORDER BY seq LIMIT $3`,
      values
    )
  }

  async countEvents(runId: string): Promise<number> {
    const [row] = await query<{ n: number }>(
      this.#pool,
      'SELECT count(*)::int AS n FROM run_events WHERE run_id = $1',
      [runId]
    )
    return row?.n ?? 0
  }

  async interruptRunning(at: string): Promise<string[]> {
    const rows = await query<{ id: string }>(
      this.#pool,
      `UPDATE runs SET status = 'interrupted', verdict = 'interrupted', reason = $1, ended_at = $2
       WHERE status = 'running' AND source <> 'agent' RETURNING id`,
      [INTERRUPTED_REASON, at]
    )
    return rows.map((row) => row.id)
  }

  // Queue and lease: each acts only while the run is in the state it expects.
  async markDispatched(runId: string, agent: string, reason: string): Promise<boolean> {
    return changed(
      this.#pool,
      `UPDATE runs SET agent = $1, queue_reason = $2 WHERE id = $3 AND status = 'queued'`,
      [agent, reason, runId]
    )
  }

  async markRunning(runId: string, agent: string, at: string): Promise<boolean> {
    return changed(
      this.#pool,
      `UPDATE runs SET status = 'running', source = 'agent', agent = $1, dispatched_at = $2,
         queue_reason = NULL
       WHERE id = $3 AND status = 'queued'`,
      [agent, at, runId]
    )
  }

  async requeue(runId: string, reason: string): Promise<boolean> {
    return changed(
      this.#pool,
      `UPDATE runs SET agent = NULL, queue_reason = $1 WHERE id = $2 AND status = 'queued'`,
      [reason, runId]
    )
  }

  async setQueueReason(runId: string, reason: string): Promise<void> {
    await this.#pool.query(
      `UPDATE runs SET queue_reason = $1 WHERE id = $2 AND status = 'queued'`,
      [reason, runId]
    )
  }

  async endQueued(runId: string, end: RunEnd): Promise<boolean> {
    return changed(
      this.#pool,
      `UPDATE runs SET status = $1, verdict = $2, score = $3, reason = $4, ended_at = $5,
         result = $6::json, queue_reason = NULL
       WHERE id = $7 AND status = 'queued'`,
      [...endValues(end), runId]
    )
  }

  async contiguousSeq(runId: string): Promise<number> {
    // The first stored seq whose successor is missing ends the prefix 0..s (when 0 is stored).
    const [row] = await query<{ s: number }>(
      this.#pool,
      `SELECT CASE WHEN EXISTS (SELECT 1 FROM run_events WHERE run_id = $1 AND seq = 0)
         THEN (SELECT min(e.seq) FROM run_events e WHERE e.run_id = $1 AND NOT EXISTS
           (SELECT 1 FROM run_events n WHERE n.run_id = e.run_id AND n.seq = e.seq + 1))
         ELSE -1 END AS s`,
      [runId]
    )
    return row?.s ?? -1
  }

  async markLateReport(runId: string): Promise<void> {
    await this.#pool.query('UPDATE runs SET late_report = true WHERE id = $1', [runId])
  }

  async updateRunEnd(runId: string, end: RunEnd): Promise<boolean> {
    return changed(
      this.#pool,
      `UPDATE runs SET status = $1, verdict = $2, score = $3, reason = $4, ended_at = $5,
         result = $6::json, late_report = false
       WHERE id = $7 AND late_report`,
      [...endValues(end), runId]
    )
  }

  async isLateReport(runId: string): Promise<boolean> {
    const rows = await query(this.#pool, 'SELECT 1 FROM runs WHERE id = $1 AND late_report', [
      runId,
    ])
    return rows.length > 0
  }

  async upsertAgent(agent: AgentRecord): Promise<void> {
    await this.#pool.query(
      `INSERT INTO agents (${AGENT_COLUMNS})
       VALUES ($1, $2::jsonb, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (name) DO UPDATE SET ${AGENT_UPDATE}`,
      agentValues(agent)
    )
  }

  async listAgents(): Promise<AgentRecord[]> {
    const rows = await query<AgentRow>(
      this.#pool,
      `SELECT ${AGENT_COLUMNS} FROM agents ORDER BY name`
    )
    return rows.map(toAgent)
  }

  async agentNames(): Promise<string[]> {
    const rows = await query<{ name: string }>(
      this.#pool,
      `SELECT name COLLATE "C" AS name FROM tokens WHERE role = 'agent'
       UNION SELECT name FROM agents ORDER BY 1`
    )
    return rows.map((row) => row.name)
  }

  async putBundle(runId: string, bundle: RunBundle): Promise<void> {
    const data = bundle.data === undefined ? null : Buffer.from(bundle.data, 'base64')
    await this.#pool.query(
      `INSERT INTO run_bundles (run_id, vars, data, bytes) VALUES ($1, $2::jsonb, $3, $4)
       ON CONFLICT (run_id) DO UPDATE SET vars = excluded.vars, data = excluded.data,
         bytes = excluded.bytes`,
      [runId, JSON.stringify(bundle.vars), data, data?.length ?? 0]
    )
  }

  async getBundle(runId: string): Promise<RunBundle | undefined> {
    const [row] = await query<BundleRow>(
      this.#pool,
      'SELECT vars, data FROM run_bundles WHERE run_id = $1',
      [runId]
    )
    return row && toBundle(row)
  }

  async deleteBundle(runId: string): Promise<void> {
    await this.#pool.query('DELETE FROM run_bundles WHERE run_id = $1', [runId])
  }

  async putRunPart(part: RunPartRecord): Promise<void> {
    await this.#pool.query(
      `INSERT INTO run_parts (${RUN_PART_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (run_id, logical) DO UPDATE SET ${RUN_PART_UPDATE}`,
      runPartValues(part)
    )
  }

  async listRunParts(runId: string): Promise<RunPartRecord[]> {
    const rows = await query<RunPartRow>(
      this.#pool,
      `SELECT ${RUN_PART_COLUMNS} FROM run_parts WHERE run_id = $1 ORDER BY logical`,
      [runId]
    )
    return rows.map(toRunPart)
  }
}

/** A RunEnd as the values of `status, verdict, score, reason, ended_at, result`. */
function endValues(end: RunEnd): unknown[] {
  return [
    end.status,
    end.verdict,
    end.score,
    end.reason ?? null,
    end.endedAt,
    end.result === undefined ? null : JSON.stringify(end.result),
  ]
}
