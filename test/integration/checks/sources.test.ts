import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, chownSync, mkdirSync, symlinkSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import Database from 'better-sqlite3'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { DeliveredSourceError, readDelivered } from '../../../src/checks/sources/index.js'
import type { DeliveredSourceInput } from '../../../src/checks/schema.js'
import { freePort } from '../../support/free-port.js'
import { startMariadb } from '../../support/mariadb.js'
import type { MariadbServer } from '../../support/mariadb.js'
import { POSTGRES_PASSWORD, startPostgres } from '../../support/postgres.js'
import type { PostgresServer } from '../../support/postgres.js'
import { launcherThenRun, runUser, runUserLauncher } from '../../support/run-as.js'

/** Beyond 2^53: a rounded number would name a different message. */
const BIG_ID = '9007199254740993'

/** Awaits the rejection of `read` and checks it is a one-line DeliveredSourceError. */
async function sourceError(read: Promise<unknown>, pattern: RegExp): Promise<string> {
  const err = await read.then(
    () => assert.fail('expected the read to fail'),
    (e: unknown) => e
  )
  assert.ok(err instanceof DeliveredSourceError, `not a DeliveredSourceError: ${String(err)}`)
  assert.equal(err.code, 'ORDEAL_DELIVERED_SOURCE')
  assert.doesNotMatch(err.message, /\n/, 'one line')
  assert.match(err.message, pattern)
  return err.message
}

/** Polls a real condition for a bounded time; returns its last value. */
async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5000
  let value = await read()
  while (!ok(value) && Date.now() < deadline) {
    await sleep(50)
    value = await read()
  }
  return value
}

describe('delivered ids from a file', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ordeal-ids-'))
    await writeFile(path.join(dir, 'ids.txt'), 'a\r\n  b  \n\n\t\nc\na\n' + BIG_ID)
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('reads one id per line, trimmed, blank lines skipped, duplicates kept', async () => {
    const ids = await readDelivered({ file: 'ids.txt' }, { baseDir: dir })
    assert.deepEqual(ids, ['a', 'b', 'c', 'a', BIG_ID])
    const absolute = await readDelivered({ file: path.join(dir, 'ids.txt') }, { baseDir: '/' })
    assert.deepEqual(absolute, ids)
  })

  it('names the resolved file when it is missing', async () => {
    const missing = path.join(dir, 'nope.txt')
    await sourceError(
      readDelivered({ file: 'nope.txt' }, { baseDir: dir }),
      new RegExp(`^cannot read delivered ids from file ${missing}: ENOENT`)
    )
  })
})

describe('delivered ids from a real SQLite file', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ordeal-ids-sqlite-'))
    const db = new Database(path.join(dir, 'shop.db'))
    db.exec(`
      CREATE TABLE deliveries (order_id, note TEXT);
      INSERT INTO deliveries VALUES ('o-1', 'x'), ('o-2', NULL), ('o-1', NULL), (NULL, 'no id'),
        (${BIG_ID}, NULL), (42, NULL);
    `)
    db.close()
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('returns the first column of every row as text, skipping NULLs', async () => {
    const ids = await readDelivered(
      {
        sql: {
          driver: 'sqlite',
          database: 'shop.db',
          query: 'SELECT order_id, note FROM deliveries ORDER BY rowid',
        },
      },
      { baseDir: dir }
    )
    assert.deepEqual(ids, ['o-1', 'o-2', 'o-1', BIG_ID, '42'])
  })

  it('returns nothing for an empty result', async () => {
    const ids = await readDelivered(
      { sql: { driver: 'sqlite', database: 'shop.db', query: 'SELECT 1 WHERE 0' } },
      { baseDir: dir }
    )
    assert.deepEqual(ids, [])
  })

  it('throws one line naming the database on bad SQL, a write or a missing file', async () => {
    const file = path.join(dir, 'shop.db')
    const source = (query: string, database = 'shop.db'): DeliveredSourceInput => ({
      sql: { driver: 'sqlite', database, query },
    })
    await sourceError(
      readDelivered(source('SELECT * FROM nope'), { baseDir: dir }),
      new RegExp(`^cannot read delivered ids from sqlite ${file}: no such table: nope$`)
    )
    await sourceError(
      readDelivered(source('DELETE FROM deliveries'), { baseDir: dir }),
      /statement returns no data/
    )
    await sourceError(
      readDelivered(source('SELECT 1', 'missing.db'), { baseDir: dir }),
      /^cannot read delivered ids from sqlite .*missing\.db: /
    )
  })
})

describe(
  'delivered ids read as the run user',
  { skip: !runUser && 'needs root and the ordeal user' },
  () => {
    const secretValue = 'rOoT-oNlY-ids-93d0'
    let dir: string
    let own: string
    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'ordeal-ids-as-'))
      chmodSync(dir, 0o755)
      const db = new Database(path.join(dir, 'shop.db'))
      db.exec(`CREATE TABLE d (id); INSERT INTO d VALUES ('o-1'), (${BIG_ID}), (NULL), (42);`)
      db.close()
      chmodSync(path.join(dir, 'shop.db'), 0o644)
      const hidden = new Database(path.join(dir, 'secret.db'))
      hidden.exec(`CREATE TABLE d (id); INSERT INTO d VALUES ('${secretValue}');`)
      hidden.close()
      chmodSync(path.join(dir, 'secret.db'), 0o600)
      await writeFile(path.join(dir, 'ids.txt'), 'a\nb\n', { mode: 0o644 })
      await writeFile(path.join(dir, 'secret.txt'), secretValue, { mode: 0o600 })
      own = path.join(dir, 'own')
      mkdirSync(own)
      chownSync(own, runUser!.uid, runUser!.gid)
    })
    after(() => rm(dir, { recursive: true, force: true }))

    const sql = (database: string): DeliveredSourceInput => ({
      sql: { driver: 'sqlite', database, query: 'SELECT id FROM d ORDER BY rowid' },
    })

    it('queries SQLite in a child process, bigints exactly', async () => {
      const ids = await readDelivered(sql('shop.db'), {
        baseDir: dir,
        launch: runUserLauncher(runUser!),
      })
      assert.deepEqual(ids, ['o-1', BIG_ID, '42'])
    })

    it('is denied a root-only SQLite file or text file, showing nothing of it', async () => {
      const launch = runUserLauncher(runUser!)
      const a = await sourceError(
        readDelivered(sql('secret.db'), { baseDir: dir, launch }),
        /permission denied/
      )
      const b = await sourceError(
        readDelivered({ file: 'secret.txt' }, { baseDir: dir, launch }),
        /Permission denied/
      )
      assert.ok(!(a + b).includes(secretValue))
    })

    it('is not fooled by symlinks the run user swaps right after any check of its own', async () => {
      for (const [name, good, bad, source] of [
        ['ids.db', 'shop.db', 'secret.db', (l: string) => sql(l)],
        ['ids.txt', 'ids.txt', 'secret.txt', (l: string): DeliveredSourceInput => ({ file: l })],
      ] as const) {
        const link = path.join(own, name)
        symlinkSync(path.join(dir, good), link)
        const launch = launcherThenRun(runUser!, `ln -sfn '${path.join(dir, bad)}' '${link}'`)
        const first = await readDelivered(source(link), { baseDir: dir, launch })
        assert.ok(first.length > 0 && !first.includes(secretValue), JSON.stringify(first))
        const second = await sourceError(
          readDelivered(source(link), { baseDir: dir, launch }),
          /ermission denied/
        )
        assert.ok(!second.includes(secretValue))
      }
    })
  }
)

describe('delivered ids from a real PostgreSQL 15 server', () => {
  let server: PostgresServer | undefined
  let admin: pg.Client | undefined

  before(async () => {
    server = await startPostgres()
    admin = new pg.Client({ connectionString: server.url })
    await admin.connect()
    await admin.query(`
      CREATE TABLE outbox (id serial PRIMARY KEY, message_id text, big bigint);
      INSERT INTO outbox (message_id, big) VALUES ('m-1', ${BIG_ID}), ('m-2', 7), ('m-1', NULL);
    `)
  })
  after(async () => {
    await admin?.end().catch(() => undefined)
    await server?.stop()
  })

  const source = (query: string, url = server!.url): DeliveredSourceInput => ({
    sql: { driver: 'postgres', database: url, query },
  })

  it('returns the first column of every row, bigints exactly', async () => {
    const ids = await readDelivered(source('SELECT message_id FROM outbox ORDER BY id'), {
      baseDir: '/',
    })
    assert.deepEqual(ids, ['m-1', 'm-2', 'm-1'])
    const big = await readDelivered(source('SELECT big, id FROM outbox ORDER BY id'), {
      baseDir: '/',
    })
    assert.deepEqual(big, [BIG_ID, '7'])
    const ints = await readDelivered(source('SELECT id FROM outbox ORDER BY id'), { baseDir: '/' })
    assert.deepEqual(ints, ['1', '2', '3'])
  })

  it('throws one line with the password hidden, and closes its connections', async () => {
    const message = await sourceError(
      readDelivered(source('SELECT * FROM nope'), { baseDir: '/' }),
      /^cannot read delivered ids from postgres postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres: relation "nope" does not exist$/
    )
    assert.ok(!message.includes(POSTGRES_PASSWORD))
    const open = await eventually(
      async () =>
        (
          await admin!.query(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'ordeal-check'"
          )
        ).rows[0].n as number,
      (n) => n === 0
    )
    assert.equal(open, 0)
  })

  it('throws when the server is unreachable', async () => {
    const port = await freePort()
    await sourceError(
      readDelivered(source('SELECT 1', `postgres://postgres:x@127.0.0.1:${port}/postgres`), {
        baseDir: '/',
      }),
      new RegExp(
        `^cannot read delivered ids from postgres postgres://postgres:\\*\\*\\*@127\\.0\\.0\\.1:${port}/postgres: .*ECONNREFUSED`
      )
    )
  })

  it('stops a slow query at the deadline and when the caller aborts', async () => {
    const started = Date.now()
    await sourceError(
      readDelivered(source('SELECT 1 FROM pg_sleep(10)'), { baseDir: '/', timeoutMs: 300 }),
      /: timed out after 300ms$/
    )
    assert.ok(Date.now() - started < 2000)
    const controller = new AbortController()
    const read = readDelivered(source('SELECT 1 FROM pg_sleep(10)'), {
      baseDir: '/',
      signal: controller.signal,
    })
    controller.abort()
    await sourceError(read, /: aborted$/)
  })
})

describe('delivered ids from a real MariaDB server (mysql driver)', () => {
  let server: MariadbServer | undefined
  let admin: mysql.Connection | undefined

  before(async () => {
    server = await startMariadb()
    admin = await mysql.createConnection(server.url)
    await admin.query('CREATE TABLE outbox (id INT AUTO_INCREMENT PRIMARY KEY, big BIGINT)')
    await admin.query(`INSERT INTO outbox (big) VALUES (${BIG_ID}), (7), (NULL)`)
  })
  after(async () => {
    await admin?.end().catch(() => undefined)
    await server?.stop()
  })

  it('returns bigints exactly and skips NULLs', async () => {
    const ids = await readDelivered(
      {
        sql: {
          driver: 'mysql',
          database: server!.url,
          query: 'SELECT big FROM outbox ORDER BY id',
        },
      },
      { baseDir: '/' }
    )
    assert.deepEqual(ids, [BIG_ID, '7'])
  })
})

describe('delivered ids from a real HTTP endpoint', () => {
  let server: http.Server
  let base: string
  const routes: Record<string, { status?: number; body: string }> = {
    '/ids': { body: JSON.stringify(['a', 'b', 3, 'a']) },
    '/orders': { body: JSON.stringify({ orders: [{ id: 'o-1' }, { id: 2 }], total: 2 }) },
    '/objects': { body: JSON.stringify([{ id: 1 }]) },
    '/scalar': { body: '42' },
    '/text': { body: 'not json' },
    '/down': { status: 503, body: 'consumer restarting' },
  }

  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/hang') {
        return // never answers: the source's deadline has to end it
      }
      const route = routes[req.url ?? '']
      res.writeHead(route?.status ?? (route ? 200 : 404), { 'content-type': 'application/json' })
      res.end(route?.body ?? '')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  it('selects every element of a top-level array by default, numbers as text', async () => {
    assert.deepEqual(await readDelivered({ http: { url: `${base}/ids` } }, { baseDir: '/' }), [
      'a',
      'b',
      '3',
      'a',
    ])
  })

  it('follows a jsonPath', async () => {
    const ids = await readDelivered(
      { http: { url: `${base}/orders`, jsonPath: '$.orders[*].id' } },
      { baseDir: '/' }
    )
    assert.deepEqual(ids, ['o-1', '2'])
    const none = await readDelivered(
      { http: { url: `${base}/orders`, jsonPath: '$.missing[*]' } },
      { baseDir: '/' }
    )
    assert.deepEqual(none, [])
  })

  it('throws one line on a bad status, a non-JSON body or a path that matches objects', async () => {
    const read = (url: string) => readDelivered({ http: { url } }, { baseDir: '/' })
    await sourceError(
      read(`${base}/down`),
      new RegExp(
        `^cannot read delivered ids from GET ${base}/down: status 503: consumer restarting$`
      )
    )
    await sourceError(read(`${base}/text`), /: body is not JSON: /)
    await sourceError(read(`${base}/scalar`), /: body is a number, not a JSON array or object$/)
    await sourceError(
      read(`${base}/objects`),
      /: \$\[\*\] matched an object at position 0, not an id \(a string or number\)$/
    )
  })

  it('throws when the endpoint is unreachable or never answers', async () => {
    const port = await freePort()
    await sourceError(
      readDelivered({ http: { url: `http://127.0.0.1:${port}/ids` } }, { baseDir: '/' }),
      new RegExp(
        `^cannot read delivered ids from GET http://127\\.0\\.0\\.1:${port}/ids: .*ECONNREFUSED`
      )
    )
    await sourceError(
      readDelivered({ http: { url: `${base}/hang` } }, { baseDir: '/', timeoutMs: 200 }),
      /: timed out after 200ms$/
    )
  })
})
