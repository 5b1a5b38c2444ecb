/**
 * Runs the shared store suite against both implementations, each test on a fresh database: a
 * temp dir for SQLite, a new database on one throwaway PostgreSQL 15 server for PostgreSQL.
 * Also checks what only `openStore` does: choosing the dialect and reporting an unreachable
 * PostgreSQL in one line without its password.
 * @module
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import type { Store } from '../../src/server/store/contract.js'
import { openStore, SQLITE_FILE } from '../../src/server/store/open.js'
import { freePort } from '../support/free-port.js'
import { POSTGRES_PASSWORD, startPostgres } from '../support/postgres.js'
import type { PostgresServer } from '../support/postgres.js'
import { storeSuite } from './store-suite.js'
import type { StoreFixture } from './store-suite.js'

/** Tracks the stores a fixture opens, so cleanup closes every one of them. */
function fixtureOf(
  open: () => Promise<Store>,
  appliedMigrations: () => Promise<number[]>,
  exec: (sql: string) => Promise<void>,
  remove: () => Promise<void>
): Promise<StoreFixture> {
  const opened: Store[] = []
  const track = async () => {
    const store = await open()
    opened.push(store)
    return store
  }
  return track().then((store) => ({
    store,
    reopen: track,
    appliedMigrations,
    exec,
    cleanup: async () => {
      for (const s of opened) {
        await s.close()
      }
      await remove()
    },
  }))
}

async function sqliteFixture(): Promise<StoreFixture> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ordeal-store-'))
  // A data dir that does not exist yet: openStore creates it.
  const dataDir = path.join(dir, 'data', 'nested')
  const applied = async () => {
    const db = new Database(path.join(dataDir, SQLITE_FILE), { readonly: true })
    try {
      const rows = db.prepare<[], number>('SELECT version FROM schema_migrations ORDER BY 1')
      return rows.pluck().all()
    } finally {
      db.close()
    }
  }
  const exec = async (sql: string) => {
    const db = new Database(path.join(dataDir, SQLITE_FILE))
    try {
      db.exec(sql)
    } finally {
      db.close()
    }
  }
  return fixtureOf(
    () => openStore({ dataDir }),
    applied,
    exec,
    () => rm(dir, { recursive: true, force: true })
  )
}

storeSuite('SqliteStore', sqliteFixture)

describe('openStore (SQLite)', () => {
  it('creates the data dir and keeps ordeal.db in it, unless given a PostgreSQL URL', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ordeal-store-'))
    try {
      const dataDir = path.join(dir, 'a', 'b')
      const store = await openStore({ dataDir, databaseUrl: '' })
      assert.equal(store.kind, 'sqlite')
      await store.close()
      assert.ok((await readdir(dataDir)).includes(SQLITE_FILE))
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('PostgreSQL', () => {
  let server: PostgresServer
  let databases = 0

  before(async () => {
    server = await startPostgres()
  })
  after(async () => {
    await server.stop()
  })

  async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: server.url })
    await client.connect()
    try {
      return await work(client)
    } finally {
      await client.end()
    }
  }

  /** A new, empty database on the server: its name and URL. */
  async function createDatabase(): Promise<{ name: string; url: string }> {
    databases += 1
    const name = `ordeal_test_${databases}`
    await admin((client) => client.query(`CREATE DATABASE ${name}`))
    const url = new URL(server.url)
    url.pathname = `/${name}`
    return { name, url: url.toString() }
  }

  const dropDatabase = (name: string) =>
    admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))

  async function postgresFixture(): Promise<StoreFixture> {
    const { name, url: databaseUrl } = await createDatabase()
    const applied = async () => {
      const client = new pg.Client({ connectionString: databaseUrl })
      await client.connect()
      try {
        const result = await client.query<{ version: number }>(
          'SELECT version FROM schema_migrations ORDER BY 1'
        )
        return result.rows.map((row) => row.version)
      } finally {
        await client.end()
      }
    }
    const exec = async (sql: string) => {
      const client = new pg.Client({ connectionString: databaseUrl })
      await client.connect()
      try {
        await client.query(sql)
      } finally {
        await client.end()
      }
    }
    return fixtureOf(
      () => openStore({ dataDir: '/nonexistent/never-created', databaseUrl }),
      applied,
      exec,
      async () => {
        await dropDatabase(name)
      }
    )
  }

  storeSuite('PostgresStore', postgresFixture)

  describe('openStore (PostgreSQL)', () => {
    it('selects PostgreSQL for postgres:// and postgresql:// URLs', async () => {
      const { name, url } = await createDatabase()
      try {
        for (const databaseUrl of [url, url.replace(/^postgres:/, 'postgresql:')]) {
          const store = await openStore({ dataDir: '/nonexistent/never-created', databaseUrl })
          assert.equal(store.kind, 'postgres')
          await store.close()
        }
      } finally {
        await dropDatabase(name)
      }
    })

    it('several servers migrating one database at once all succeed', async () => {
      const { name, url } = await createDatabase()
      const open = () => openStore({ dataDir: '/nonexistent/never-created', databaseUrl: url })
      const opened = await Promise.allSettled([open(), open(), open()])
      try {
        assert.deepEqual(
          opened.map((o) => o.status),
          ['fulfilled', 'fulfilled', 'fulfilled']
        )
      } finally {
        for (const outcome of opened) {
          if (outcome.status === 'fulfilled') {
            await outcome.value.close()
          }
        }
        await dropDatabase(name)
      }
    })

    it('one server per database: the server lock is held until the store closes', async () => {
      const { name, url } = await createDatabase()
      const open = () => openStore({ dataDir: '/nonexistent/never-created', databaseUrl: url })
      const [first, second] = [await open(), await open()]
      try {
        assert.equal(await first.holdServerLock(), true)
        assert.equal(await first.holdServerLock(), true, 'held already: still ours')
        assert.equal(await second.holdServerLock(), false, 'another server holds it')
        await first.close()
        assert.equal(await second.holdServerLock(), true, 'free once the first store closed')
      } finally {
        await first.close()
        await second.close()
        await dropDatabase(name)
      }
    })

    it('an unreachable server is one line naming the URL without the password', async () => {
      const port = await freePort()
      const url = `postgres://ordeal:s3cret-pw@127.0.0.1:${port}/ordeal`
      await assert.rejects(openStore({ dataDir: '/nonexistent', databaseUrl: url }), (err) => {
        assert.ok(err instanceof Error)
        assert.doesNotMatch(err.message, /\n/)
        assert.doesNotMatch(err.message, /s3cret-pw/)
        assert.match(
          err.message,
          new RegExp(`postgres://ordeal:\\*\\*\\*@127\\.0\\.0\\.1:${port}/ordeal`)
        )
        assert.match(err.message, /ECONNREFUSED/)
        return true
      })
    })

    it('wrong credentials are reported the same way', async () => {
      const url = new URL(server.url)
      url.password = `not-${POSTGRES_PASSWORD}`
      await assert.rejects(
        openStore({ dataDir: '/nonexistent', databaseUrl: url.toString() }),
        (err) => {
          assert.ok(err instanceof Error)
          assert.doesNotMatch(err.message, /not-ordeal-test/)
          assert.match(err.message, /cannot open the PostgreSQL store at .*password authentication/)
          return true
        }
      )
    })
  })
})
