/**
 * The PostgreSQL store, for `DATABASE_URL=postgres://...`: the same tables and statements as
 * SQLite, through a small pool.
 * @module
 */
import pg from 'pg'
import { DuplicateOrderError, kSchema, now, type OrderStore, type OutboxRow } from './store.js'

export async function openPostgresStore(url: string): Promise<OrderStore> {
  const pool = new pg.Pool({ connectionString: url, max: 4 })
  // An idle client losing its connection must not crash the service; the next query reconnects.
  pool.on('error', (error) => console.error(`postgres: ${error.message}`))
  // Both services create the schema at start; the lock keeps concurrent CREATEs from colliding.
  await transaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(4242)')
    for (const statement of kSchema) {
      await client.query(statement)
    }
    await client.query(`CREATE TABLE IF NOT EXISTS outbox (
      seq BIGSERIAL PRIMARY KEY,
      order_id TEXT NOT NULL,
      payload TEXT NOT NULL,
      createdAt TEXT NOT NULL,
      sentAt TEXT
    )`)
  })
  const count = async (sql: string) => Number((await pool.query(sql)).rows[0]?.count ?? 0)
  const undelivered = () => count('SELECT COUNT(*) AS count FROM orders WHERE isDelivered = 0')
  const insertOrder = 'INSERT INTO orders (id, isDelivered, createdAt) VALUES ($1, 0, $2)'

  return {
    insertOrder: (id) => unique(id, () => pool.query(insertOrder, [id, now()])),
    insertOrderWithOutbox: (id, payload) =>
      unique(id, () =>
        transaction(pool, async (client) => {
          const at = now()
          await client.query(insertOrder, [id, at])
          await client.query(
            'INSERT INTO outbox (order_id, payload, createdAt) VALUES ($1, $2, $3)',
            [id, payload, at]
          )
        })
      ),
    pendingOutbox: async (limit) => {
      const { rows } = await pool.query<{ seq: string; orderid: string; payload: string }>(
        'SELECT seq, order_id AS orderId, payload FROM outbox WHERE sentAt IS NULL ORDER BY seq LIMIT $1',
        [limit]
      )
      return rows.map((r): OutboxRow => ({
        seq: Number(r.seq),
        orderId: r.orderid,
        payload: r.payload,
      }))
    },
    markSent: async (seqs) => {
      await pool.query('UPDATE outbox SET sentAt = $1 WHERE seq = ANY($2)', [now(), seqs])
    },
    recordDelivery: (orderId) =>
      transaction(pool, async (client) => {
        await client.query('UPDATE orders SET isDelivered = 1 WHERE id = $1', [orderId])
        await client.query('INSERT INTO deliveries (order_id, at) VALUES ($1, $2)', [
          orderId,
          now(),
        ])
      }),
    undeliveredCount: undelivered,
    stats: async () => ({
      orders: await count('SELECT COUNT(*) AS count FROM orders'),
      undelivered: await undelivered(),
      deliveries: await count('SELECT COUNT(*) AS count FROM deliveries'),
      outboxPending: await count('SELECT COUNT(*) AS count FROM outbox WHERE sentAt IS NULL'),
    }),
    close: () => pool.end(),
  }
}

async function transaction(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<void>) {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    await work(client)
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
}

async function unique(id: string, write: () => Promise<unknown>): Promise<void> {
  try {
    await write()
  } catch (error) {
    if ((error as { code?: string }).code === '23505') {
      throw new DuplicateOrderError(id)
    }
    throw error
  }
}
