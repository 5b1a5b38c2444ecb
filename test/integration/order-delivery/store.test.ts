/**
 * The example's order store, the same assertions on SQLite and on a real PostgreSQL 15: the
 * outbox write is atomic with the order, delivery is idempotent for the order while every
 * delivery stays visible (duplicates), and the probe's query counts undelivered orders.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import pg from 'pg'
import { openPostgresStore } from '../../../examples/order-delivery/src/db/postgres.js'
import { openSqliteStore } from '../../../examples/order-delivery/src/db/sqlite.js'
import {
  DuplicateOrderError,
  type OrderStore,
} from '../../../examples/order-delivery/src/db/store.js'
import { startPostgres, type PostgresServer } from '../../support/postgres.js'

interface Backend {
  store: OrderStore
  /** The experiment's probe query, run the way the sql probe runs it. */
  undeliveredByProbe(): Promise<number>
}

function conformance(open: () => Promise<Backend>, close: () => Promise<void>) {
  let backend: Backend

  before(async () => {
    backend = await open()
  })
  after(async () => {
    await backend?.store.close()
    await close()
  })

  test('an order and its outbox row are written together, and only once', async () => {
    const { store } = backend
    await store.insertOrderWithOutbox('a', '{"id":"a"}')
    await assert.rejects(store.insertOrderWithOutbox('a', '{"id":"a"}'), DuplicateOrderError)
    const pending = await store.pendingOutbox(10)
    assert.deepEqual(
      pending.map((row) => [row.orderId, row.payload]),
      [['a', '{"id":"a"}']],
      'the rejected duplicate added no outbox row'
    )
  })

  test('rows marked sent leave the outbox', async () => {
    const { store } = backend
    await store.insertOrderWithOutbox('b', '{"id":"b"}')
    const [first, second] = await store.pendingOutbox(10)
    await store.markSent([first!.seq])
    assert.deepEqual(
      (await store.pendingOutbox(10)).map((row) => row.seq),
      [second!.seq]
    )
  })

  test('a delivery is idempotent for the order and visible as a duplicate', async () => {
    const { store } = backend
    await store.insertOrder('c')
    assert.equal(await store.undeliveredCount(), 3)
    assert.equal(await backend.undeliveredByProbe(), 3)
    await store.recordDelivery('c')
    await store.recordDelivery('c')
    assert.equal(await store.undeliveredCount(), 2)
    assert.equal(await backend.undeliveredByProbe(), 2)
    assert.deepEqual(await store.stats(), {
      orders: 3,
      undelivered: 2,
      deliveries: 2,
      outboxPending: 1,
    })
  })
}

const kProbeQuery = 'SELECT COUNT(*) FROM orders WHERE isDelivered = 0'

describe('order store on SQLite', () => {
  let dir: string
  conformance(
    async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'ordeal-order-store-'))
      return {
        store: openSqliteStore(dir),
        async undeliveredByProbe() {
          const db = new Database(path.join(dir, 'orders.db'), { readonly: true })
          try {
            return db.prepare(kProbeQuery).pluck().get() as number
          } finally {
            db.close()
          }
        },
      }
    },
    () => rm(dir, { recursive: true, force: true })
  )
})

describe('order store on PostgreSQL', { timeout: 120_000 }, () => {
  let server: PostgresServer
  conformance(
    async () => {
      server = await startPostgres()
      return {
        store: await openPostgresStore(server.url),
        async undeliveredByProbe() {
          const client = new pg.Client(server.url)
          await client.connect()
          try {
            return Number((await client.query(kProbeQuery)).rows[0].count)
          } finally {
            await client.end()
          }
        },
      }
    },
    () => server?.stop() ?? Promise.resolve()
  )
})
