/**
 * One small SQL door into either store, for the Chaos Center's newer tables (schedules, git
 * sources, hooks, notifications: issue 16). Each of those features keeps its SQL in its own
 * folder, written once for both dialects, instead of growing two 900-line store classes.
 *
 * The SQL uses PostgreSQL's `$1, $2…` placeholders; SQLite gets them rewritten to `?` with the
 * values reordered. Keep to what both dialects share: text, integer, `double precision` is
 * `REAL` in SQLite so prefer integers (milliseconds), JSON as text, booleans as 0/1,
 * `INSERT … ON CONFLICT … DO NOTHING / DO UPDATE`, `RETURNING`. There are no multi-statement
 * transactions here on purpose (better-sqlite3 is synchronous, a transaction cannot span an
 * await): make each write one statement, idempotent where a retry or a restart can repeat it
 * (a unique key plus `ON CONFLICT DO NOTHING`, then read `execute`'s count).
 * @module
 */
import type Database from 'better-sqlite3'
import type pg from 'pg'

export interface Sql {
  readonly dialect: 'sqlite' | 'postgres'
  /** Rows of a SELECT (or of an INSERT/UPDATE … RETURNING). */
  query<R extends object>(text: string, values?: readonly unknown[]): Promise<R[]>
  /** How many rows the statement changed. */
  execute(text: string, values?: readonly unknown[]): Promise<number>
}

/**
 * `$n` placeholders to SQLite's anonymous `?`, with the values in the order they appear
 * (`$2 … $1 … $2` reads values 2, 1, 2). Placeholders inside quoted strings are not rewritten.
 */
export function toSqlite(
  text: string,
  values: readonly unknown[]
): { text: string; values: unknown[] } {
  const ordered: unknown[] = []
  let out = ''
  let quote: string | undefined
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quote !== undefined) {
      out += c
      if (c === quote) {
        quote = undefined
      }
      continue
    }
    if (c === "'" || c === '"') {
      quote = c
      out += c
      continue
    }
    const m = c === '$' ? /^\$(\d+)/.exec(text.slice(i)) : null
    if (m) {
      const n = Number(m[1])
      if (n < 1 || n > values.length) {
        throw new Error(`placeholder $${n} has no value (${values.length} given)`)
      }
      ordered.push(sqliteValue(values[n - 1]))
      out += '?'
      i += m[0].length - 1
      continue
    }
    out += c
  }
  return { text: out, values: ordered }
}

/** better-sqlite3 binds no booleans and no undefined. */
const sqliteValue = (v: unknown): unknown =>
  v === undefined ? null : typeof v === 'boolean' ? (v ? 1 : 0) : v

export function sqliteSql(db: Database.Database): Sql {
  // Statements are prepared once per text: the features' SQL is a fixed set of shapes.
  const prepared = new Map<string, Database.Statement>()
  const prepare = (text: string) => {
    let statement = prepared.get(text)
    if (statement === undefined) {
      statement = db.prepare(text)
      prepared.set(text, statement)
    }
    return statement
  }
  return {
    dialect: 'sqlite',
    async query<R extends object>(text: string, values: readonly unknown[] = []) {
      const q = toSqlite(text, values)
      const statement = prepare(q.text)
      return (
        statement.reader ? statement.all(...q.values) : (statement.run(...q.values), [])
      ) as R[]
    },
    async execute(text: string, values: readonly unknown[] = []) {
      const q = toSqlite(text, values)
      const statement = prepare(q.text)
      if (statement.reader) {
        return statement.all(...q.values).length
      }
      return statement.run(...q.values).changes
    },
  }
}

export function postgresSql(pool: pg.Pool): Sql {
  return {
    dialect: 'postgres',
    async query<R extends object>(text: string, values: readonly unknown[] = []) {
      return (await pool.query(text, [...values])).rows as R[]
    },
    async execute(text: string, values: readonly unknown[] = []) {
      return (await pool.query(text, [...values])).rowCount ?? 0
    },
  }
}
