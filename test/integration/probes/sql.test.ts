import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
} from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import Database from 'better-sqlite3'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { sqlProbe } from '../../../src/probes/sql/index.js'
import type { ProbeParamsOf } from '../../../src/probes/contract.js'
import type { ComparatorInput } from '../../../src/experiment/schema-parts.js'
import { freePort } from '../../support/free-port.js'
import { startMariadb } from '../../support/mariadb.js'
import type { MariadbServer } from '../../support/mariadb.js'
import { POSTGRES_PASSWORD, startPostgres } from '../../support/postgres.js'
import type { PostgresServer } from '../../support/postgres.js'
import { probeBase, probeContext } from '../../support/probe-context.js'
import { launcherThenRun, runUser, runUserLauncher } from '../../support/run-as.js'

type Params = ProbeParamsOf<'sql'>
type Driver = Params['driver']
const atLeast = (value: number): ComparatorInput => ({ type: 'int', criteria: '>=', value })

function probe(
  driver: Driver,
  database: string,
  query: string,
  comparator: ComparatorInput = atLeast(0)
): Params {
  return { ...probeBase, type: 'sql', driver, database, query, comparator }
}

/** Polls a real condition for a bounded time; returns its last value. */
async function eventually<T>(
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 5000
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let value = await read()
  while (!ok(value) && Date.now() < deadline) {
    await sleep(50)
    value = await read()
  }
  return value
}

describe('sql probe on a real SQLite file', () => {
  let dir: string
  let file: string

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ordeal-sqlite-'))
    file = path.join(dir, 'shop.db')
    const db = new Database(file)
    db.exec(`
      CREATE TABLE orders (id INTEGER PRIMARY KEY, status TEXT, note TEXT);
      INSERT INTO orders (status, note) VALUES ('delivered', NULL), ('delivered', 'x'), ('pending', NULL);
    `)
    db.close()
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('compares the first column of the first row', async () => {
    const count = await sqlProbe.check(
      probe('sqlite', file, 'SELECT count(*) FROM orders', atLeast(3)),
      probeContext()
    )
    assert.deepEqual(count, { passed: true, message: '3 >= 3', value: 3 })
    const tooMany = await sqlProbe.check(
      probe('sqlite', file, 'SELECT count(*) FROM orders', {
        type: 'int',
        criteria: '==',
        value: 99,
      }),
      probeContext()
    )
    assert.deepEqual(tooMany, { passed: false, message: '3, expected == 99', value: 3 })
    const status = await sqlProbe.check(
      probe('sqlite', file, 'SELECT status, id FROM orders ORDER BY id DESC', {
        type: 'string',
        criteria: 'equal',
        value: 'pending',
      }),
      probeContext()
    )
    assert.equal(status.passed, true, status.message)
  })

  it('resolves a relative path against baseDir and renders templates', async () => {
    const result = await sqlProbe.check(
      probe(
        'sqlite',
        '{{db.file}}',
        "SELECT count(*) FROM orders WHERE status = '{{db.status}}'",
        atLeast(2)
      ),
      probeContext({ baseDir: dir, vars: { db: { file: 'shop.db', status: 'delivered' } } })
    )
    assert.deepEqual(result, { passed: true, message: '2 >= 2', value: 2 })
  })

  it('fails on no rows, NULL and bad SQL', async () => {
    const none = await sqlProbe.check(
      probe('sqlite', file, 'SELECT id FROM orders WHERE id > 100'),
      probeContext()
    )
    assert.deepEqual(none, { passed: false, message: 'query returned no rows' })
    const nul = await sqlProbe.check(
      probe('sqlite', file, 'SELECT note FROM orders WHERE id = 1'),
      probeContext()
    )
    assert.deepEqual(nul, { passed: false, message: 'query returned NULL' })
    const bad = await sqlProbe.check(probe('sqlite', file, 'SELEC 1'), probeContext())
    assert.equal(bad.passed, false)
    assert.match(bad.message, /^sqlite: .*syntax error/)
  })

  it('opens the file read-only and never creates it', async () => {
    const write = await sqlProbe.check(probe('sqlite', file, 'DELETE FROM orders'), probeContext())
    assert.equal(write.passed, false)
    const count = await sqlProbe.check(
      probe('sqlite', file, 'SELECT count(*) FROM orders', atLeast(3)),
      probeContext()
    )
    assert.equal(count.passed, true, 'rows must still be there')
    const missing = path.join(dir, 'missing.db')
    const result = await sqlProbe.check(probe('sqlite', missing, 'SELECT 1'), probeContext())
    assert.equal(result.passed, false)
    assert.match(result.message, /^sqlite: /)
    assert.equal(existsSync(missing), false)
  })

  it('gives up on a locked database after the busy timeout', async () => {
    const writer = new Database(file)
    writer.exec('BEGIN EXCLUSIVE')
    try {
      const started = Date.now()
      const result = await sqlProbe.check(
        probe('sqlite', file, 'SELECT count(*) FROM orders'),
        probeContext({ timeoutMs: 300 })
      )
      assert.equal(result.passed, false)
      assert.match(result.message, /database is locked/)
      assert.ok(Date.now() - started < 1500)
    } finally {
      writer.exec('ROLLBACK')
      writer.close()
    }
  })

  it('describes itself in one line', () => {
    assert.equal(
      sqlProbe.describe(
        probe('postgres', 'postgres://app:secret@127.0.0.1:5432/shop', 'SELECT 1', atLeast(1))
      ),
      'postgres postgres://app:***@127.0.0.1:5432/shop: SELECT 1 >= 1'
    )
  })
})

/** Pids of live query child processes (`query-child` in their command line). */
function queryChildren(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('query-child')
      } catch {
        return false // ended meanwhile
      }
    })
    .map(Number)
}

describe(
  'sql probe as the run user (a child process)',
  { skip: !runUser && 'needs root and the ordeal user' },
  () => {
    const secretValue = 'rOoT-oNlY-4b1e'
    let dir: string
    let secret: string
    let open: string
    let own: string

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'ordeal-sqlas-'))
      chmodSync(dir, 0o755)
      const make = (file: string, value: string, mode: number) => {
        const db = new Database(file)
        db.exec(
          `CREATE TABLE t (x TEXT, n INTEGER); INSERT INTO t VALUES ('${value}', 9007199254740993)`
        )
        db.close()
        chmodSync(file, mode)
      }
      secret = path.join(dir, 'secret.db')
      make(secret, secretValue, 0o600)
      open = path.join(dir, 'open.db')
      make(open, 'open-value', 0o644)
      // A folder of the run user's, where it can plant and swap symlinks.
      own = path.join(dir, 'own')
      mkdirSync(own)
      chownSync(own, runUser!.uid, runUser!.gid)
    })
    after(() => rm(dir, { recursive: true, force: true }))

    const text = (value: string) => ({ type: 'string', criteria: 'equal', value }) as const
    const asUser = (options: Parameters<typeof probeContext>[0] = {}) => ({
      ...probeContext(options),
      launch: runUserLauncher(runUser!),
    })

    it('reads what the run user may read, and compares as in process', async () => {
      const result = await sqlProbe.check(
        probe('sqlite', open, 'SELECT x FROM t', text('open-value')),
        asUser()
      )
      assert.deepEqual(result, {
        passed: true,
        message: '"open-value" equal "open-value"',
        value: 'open-value',
      })
      const big = await sqlProbe.check(probe('sqlite', open, 'SELECT n FROM t'), asUser())
      assert.equal(big.value, 9007199254740992, 'the same rounding as in process')
    })

    it('fails with permission denied on a root-only file, showing nothing of it', async () => {
      const result = await sqlProbe.check(
        probe('sqlite', secret, 'SELECT x FROM t', text('x')),
        asUser()
      )
      assert.equal(result.passed, false)
      assert.match(result.message, /^sqlite: EACCES: permission denied/)
      assert.ok(!JSON.stringify(result).includes(secretValue))
    })

    it('is not fooled by a symlink the run user swaps right after any check of its own', async () => {
      const link = path.join(own, 'link.db')
      symlinkSync(open, link)
      // Each launched command is followed, as the run user, by a swap to the root-only file: a
      // check (`test -r`) followed by a read as root would read the secret.
      const launch = launcherThenRun(runUser!, `ln -sfn '${secret}' '${link}'`)
      const first = await sqlProbe.check(
        probe('sqlite', link, 'SELECT x FROM t', text('open-value')),
        {
          ...probeContext(),
          launch,
        }
      )
      assert.equal(first.passed, true, first.message)
      const second = await sqlProbe.check(probe('sqlite', link, 'SELECT x FROM t', text('x')), {
        ...probeContext(),
        launch,
      })
      assert.match(second.message, /permission denied/)
      assert.ok(!JSON.stringify([first, second]).includes(secretValue))
    })

    it('kills the query process when the attempt is aborted', async () => {
      const controller = new AbortController()
      // A recursive CTE that never ends keeps the child busy; the abort must end it at once.
      const pending = sqlProbe.check(
        probe(
          'sqlite',
          open,
          'WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) SELECT max(i) FROM c'
        ),
        { ...asUser({ signal: controller.signal, timeoutMs: 60_000 }) }
      )
      setTimeout(() => controller.abort(new Error('stop')), 300)
      const started = Date.now()
      const result = await pending
      assert.equal(result.passed, false)
      assert.ok(Date.now() - started < 5000, 'ended promptly')
      // No query process is left running as the run user.
      const left = await eventually(
        async () => queryChildren(),
        (pids) => pids.length === 0
      )
      assert.deepEqual(left, [])
    })
  }
)

describe('sql probe on a real PostgreSQL 15 server', () => {
  let server: PostgresServer | undefined
  let admin: pg.Client

  before(async () => {
    server = await startPostgres()
    admin = new pg.Client({ connectionString: server.url })
    await admin.connect()
    await admin.query(`
      CREATE TABLE orders (id serial PRIMARY KEY, status text NOT NULL, total numeric(10,2));
      INSERT INTO orders (status, total) VALUES ('delivered', 10.50), ('delivered', 3), ('lost', 7.25);
    `)
  })
  after(async () => {
    await admin?.end().catch(() => undefined)
    await server?.stop()
  })

  const url = () => server!.url

  it('compares a scalar, whatever its SQL type', async () => {
    // count(*) is a bigint, which pg returns as text: the int comparator parses it.
    const count = await sqlProbe.check(
      probe('postgres', url(), 'SELECT count(*) FROM orders', atLeast(3)),
      probeContext()
    )
    assert.deepEqual(count, { passed: true, message: '3 >= 3', value: '3' })
    const lost = await sqlProbe.check(
      probe('postgres', url(), "SELECT count(*) FROM orders WHERE status = 'lost'", {
        type: 'int',
        criteria: '==',
        value: 0,
      }),
      probeContext()
    )
    assert.deepEqual(lost, { passed: false, message: '1, expected == 0', value: '1' })
    const total = await sqlProbe.check(
      probe('postgres', url(), 'SELECT sum(total) FROM orders', {
        type: 'float',
        criteria: 'between',
        value: [20, 21],
      }),
      probeContext()
    )
    assert.deepEqual(total, { passed: true, message: '20.75 between [20, 21]', value: '20.75' })
    const flag = await sqlProbe.check(
      probe('postgres', url(), 'SELECT bool_and(total > 1) FROM orders', {
        type: 'string',
        criteria: 'equal',
        value: 'true',
      }),
      probeContext()
    )
    assert.equal(flag.passed, true, flag.message)
  })

  it('renders templates in the connection URL', async () => {
    const result = await sqlProbe.check(
      probe(
        'postgres',
        'postgres://postgres:{{db.password}}@127.0.0.1:{{db.port}}/postgres',
        'SELECT 1',
        atLeast(1)
      ),
      probeContext({ vars: { db: { password: POSTGRES_PASSWORD, port: server!.port } } })
    )
    assert.equal(result.passed, true, result.message)
  })

  it('fails on no rows and bad SQL', async () => {
    const none = await sqlProbe.check(
      probe('postgres', url(), 'SELECT 1 WHERE false'),
      probeContext()
    )
    assert.deepEqual(none, { passed: false, message: 'query returned no rows' })
    const bad = await sqlProbe.check(probe('postgres', url(), 'SELECT * FROM nope'), probeContext())
    assert.deepEqual(bad, { passed: false, message: 'postgres: relation "nope" does not exist' })
  })

  it('closes every connection it opens', async () => {
    for (let i = 0; i < 5; i++) {
      await sqlProbe.check(probe('postgres', url(), 'SELECT 1'), probeContext())
    }
    await sqlProbe.check(probe('postgres', url(), 'SELECT * FROM nope'), probeContext())
    const open = await eventually(
      async () =>
        (
          await admin.query(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'ordeal-probe'"
          )
        ).rows[0].n as number,
      (n) => n === 0
    )
    assert.equal(open, 0)
  })

  it('fails, without throwing, on wrong credentials and a closed port', async () => {
    const wrong = url().replace(POSTGRES_PASSWORD, 'wrong-password')
    const denied = await sqlProbe.check(probe('postgres', wrong, 'SELECT 1'), probeContext())
    assert.deepEqual(denied, {
      passed: false,
      message: 'postgres: password authentication failed for user "postgres"',
    })
    const port = await freePort()
    const refused = await sqlProbe.check(
      probe('postgres', `postgres://postgres:x@127.0.0.1:${port}/postgres`, 'SELECT 1'),
      probeContext()
    )
    assert.equal(refused.passed, false)
    assert.match(refused.message, /^postgres: .*ECONNREFUSED/)
  })

  it(
    'queries as the run user in a child process, timeout included',
    { skip: !runUser && 'needs root' },
    async () => {
      const launch = runUserLauncher(runUser!)
      const count = await sqlProbe.check(
        probe('postgres', url(), 'SELECT count(*) FROM orders', atLeast(3)),
        {
          ...probeContext(),
          launch,
        }
      )
      assert.equal(count.passed, true, count.message)
      const started = Date.now()
      const slow = await sqlProbe.check(probe('postgres', url(), 'SELECT 1 FROM pg_sleep(10)'), {
        ...probeContext({ timeoutMs: 300 }),
        launch,
      })
      assert.equal(slow.passed, false)
      assert.ok(Date.now() - started < 3000, `took ${Date.now() - started}ms`)
    }
  )

  it('honours the timeout on a slow query', async () => {
    const started = Date.now()
    const result = await sqlProbe.check(
      probe('postgres', url(), 'SELECT 1 FROM pg_sleep(10)'),
      probeContext({ timeoutMs: 300 })
    )
    const elapsed = Date.now() - started
    assert.deepEqual(result, { passed: false, message: 'postgres: timed out after 300ms' })
    assert.ok(elapsed < 1000, `took ${elapsed}ms`)
    // The server-side statement is cancelled too, not left sleeping.
    const sleeping = await eventually(
      async () =>
        (
          await admin.query(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%pg_sleep(10)%' AND pid <> pg_backend_pid()"
          )
        ).rows[0].n as number,
      (n) => n === 0
    )
    assert.equal(sleeping, 0)
  })
})

describe('sql probe on a real MariaDB server (mysql driver)', () => {
  let server: MariadbServer | undefined
  let admin: mysql.Connection

  before(async () => {
    server = await startMariadb()
    admin = await mysql.createConnection(server.url)
    await admin.query(
      'CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, status VARCHAR(20), total DECIMAL(10,2))'
    )
    await admin.query(
      "INSERT INTO orders (status, total) VALUES ('delivered', 10.50), ('delivered', 3), ('lost', 7.25)"
    )
  })
  after(async () => {
    await admin?.end().catch(() => undefined)
    await server?.stop()
  })

  const url = () => server!.url

  it('queries as the run user in a child process', { skip: !runUser && 'needs root' }, async () => {
    const count = await sqlProbe.check(
      probe('mysql', url(), 'SELECT COUNT(*) FROM orders', atLeast(3)),
      {
        ...probeContext(),
        launch: runUserLauncher(runUser!),
      }
    )
    assert.deepEqual(count, { passed: true, message: '3 >= 3', value: 3 })
  })

  it('compares a scalar', async () => {
    const count = await sqlProbe.check(
      probe('mysql', url(), 'SELECT COUNT(*) FROM orders', atLeast(3)),
      probeContext()
    )
    assert.deepEqual(count, { passed: true, message: '3 >= 3', value: 3 })
    const lost = await sqlProbe.check(
      probe('mysql', url(), "SELECT COUNT(*) FROM orders WHERE status = 'lost'", {
        type: 'int',
        criteria: '==',
        value: 0,
      }),
      probeContext()
    )
    assert.deepEqual(lost, { passed: false, message: '1, expected == 0', value: 1 })
    const status = await sqlProbe.check(
      probe('mysql', url(), 'SELECT status FROM orders ORDER BY id', {
        type: 'string',
        criteria: 'oneOf',
        value: ['delivered', 'pending'],
      }),
      probeContext()
    )
    assert.equal(status.passed, true, status.message)
    const total = await sqlProbe.check(
      probe('mysql', url(), 'SELECT SUM(total) FROM orders', {
        type: 'float',
        criteria: '>',
        value: 20,
      }),
      probeContext()
    )
    assert.deepEqual(total, { passed: true, message: '20.75 > 20', value: '20.75' })
  })

  it('fails on no rows, a statement without rows, and bad SQL', async () => {
    const none = await sqlProbe.check(
      probe('mysql', url(), 'SELECT id FROM orders WHERE id < 0'),
      probeContext()
    )
    assert.deepEqual(none, { passed: false, message: 'query returned no rows' })
    const noData = await sqlProbe.check(probe('mysql', url(), 'DO 1'), probeContext())
    assert.deepEqual(noData, { passed: false, message: 'query returned no rows' })
    const bad = await sqlProbe.check(probe('mysql', url(), 'SELECT * FROM nope'), probeContext())
    assert.deepEqual(bad, { passed: false, message: "mysql: Table 'ordeal.nope' doesn't exist" })
  })

  it('closes every connection it opens', async () => {
    for (let i = 0; i < 5; i++) {
      await sqlProbe.check(probe('mysql', url(), 'SELECT 1'), probeContext())
    }
    await sqlProbe.check(probe('mysql', url(), 'SELECT * FROM nope'), probeContext())
    const open = await eventually(
      async () => {
        const [rows] = await admin.query(
          "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = 'ordeal' AND ID <> CONNECTION_ID()"
        )
        return Number((rows as { n: number }[])[0]!.n)
      },
      (n) => n === 0
    )
    assert.equal(open, 0)
  })

  it('fails, without throwing, on wrong credentials and a closed port', async () => {
    const wrong = url().replace(/:[^:@/]+@/, ':wrong-password@')
    const denied = await sqlProbe.check(probe('mysql', wrong, 'SELECT 1'), probeContext())
    assert.equal(denied.passed, false)
    assert.match(denied.message, /^mysql: Access denied for user 'ordeal'@'127\.0\.0\.1'/)
    const port = await freePort()
    const refused = await sqlProbe.check(
      probe('mysql', `mysql://ordeal:x@127.0.0.1:${port}/ordeal`, 'SELECT 1'),
      probeContext()
    )
    assert.equal(refused.passed, false)
    assert.match(refused.message, /^mysql: .*ECONNREFUSED/)
  })

  it('honours the timeout on a slow query', async () => {
    const started = Date.now()
    const result = await sqlProbe.check(
      probe('mysql', url(), 'SELECT SLEEP(10)'),
      probeContext({ timeoutMs: 300 })
    )
    const elapsed = Date.now() - started
    assert.deepEqual(result, { passed: false, message: 'mysql: timed out after 300ms' })
    assert.ok(elapsed < 1000, `took ${elapsed}ms`)
  })
})
