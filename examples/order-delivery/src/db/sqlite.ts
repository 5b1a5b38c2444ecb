/**
 * The SQLite store: one file, `orders.db`, in the directory both services are given.
 * @module
 */
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { DuplicateOrderError, kSchema, now, type OrderStore, type OutboxRow } from './store.js'

export function openSqliteStore(dir: string): OrderStore {
  mkdirSync(dir, { recursive: true })
  const db = new Database(path.join(dir, 'orders.db'))
  // Two processes write (order and delivery service) while ordeal's probes read: WAL lets
  // readers run beside the writer, and a writer waits for the other instead of failing.
  db.pragma('journal_mode = WAL')
  db.pragma('busy_timeout = 5000')
  for (const statement of kSchema) {
    db.exec(statement)
  }
  db.exec(`CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    createdAt TEXT NOT NULL,
    sentAt TEXT
  )`)

  const insertOrder = db.prepare('INSERT INTO orders (id, isDelivered, createdAt) VALUES (?, 0, ?)')
  const insertOutbox = db.prepare(
    'INSERT INTO outbox (order_id, payload, createdAt) VALUES (?, ?, ?)'
  )
  const pending = db.prepare(
    'SELECT seq, order_id AS orderId, payload FROM outbox WHERE sentAt IS NULL ORDER BY seq LIMIT ?'
  )
  const markSent = db.prepare('UPDATE outbox SET sentAt = ? WHERE seq = ?')
  const deliver = db.prepare('UPDATE orders SET isDelivered = 1 WHERE id = ?')
  const insertDelivery = db.prepare('INSERT INTO deliveries (order_id, at) VALUES (?, ?)')
  const count = (sql: string) => () => (db.prepare(sql).pluck().get() as number | undefined) ?? 0
  const undelivered = count('SELECT COUNT(*) FROM orders WHERE isDelivered = 0')

  const withOutbox = db.transaction((id: string, payload: string) => {
    const at = now()
    insertOrder.run(id, at)
    insertOutbox.run(id, payload, at)
  })
  const sent = db.transaction((seqs: number[]) => {
    const at = now()
    for (const seq of seqs) {
      markSent.run(at, seq)
    }
  })
  const delivered = db.transaction((orderId: string) => {
    deliver.run(orderId)
    insertDelivery.run(orderId, now())
  })

  return {
    insertOrder: async (id) => unique(id, () => insertOrder.run(id, now())),
    insertOrderWithOutbox: async (id, payload) => unique(id, () => withOutbox(id, payload)),
    pendingOutbox: async (limit) => pending.all(limit) as OutboxRow[],
    markSent: async (seqs) => sent(seqs),
    recordDelivery: async (orderId) => delivered(orderId),
    undeliveredCount: async () => undelivered(),
    stats: async () => ({
      orders: count('SELECT COUNT(*) FROM orders')(),
      undelivered: undelivered(),
      deliveries: count('SELECT COUNT(*) FROM deliveries')(),
      outboxPending: count('SELECT COUNT(*) FROM outbox WHERE sentAt IS NULL')(),
    }),
    close: async () => void db.close(),
  }
}

function unique(id: string, write: () => unknown): void {
  try {
    write()
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      throw new DuplicateOrderError(id)
    }
    throw error
  }
}
