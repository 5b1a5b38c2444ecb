/**
 * What the order and delivery services need from the database, for SQLite (default) and
 * PostgreSQL (`DATABASE_URL=postgres://...`). Both services share one database, as in the demo.
 * @module
 */

export interface OutboxRow {
  seq: number
  orderId: string
  payload: string
}

export interface OrderStore {
  /** v1: the order row alone; the message is published separately (and may be lost). */
  insertOrder(id: string): Promise<void>
  /** v2: the order row and its outbox row in ONE transaction: both or neither. */
  insertOrderWithOutbox(id: string, payload: string): Promise<void>
  /** Outbox rows not yet confirmed by the broker, oldest first. */
  pendingOutbox(limit: number): Promise<OutboxRow[]>
  /** Called only after the broker confirmed these rows' messages. */
  markSent(seqs: number[]): Promise<void>
  /**
   * Marks the order delivered and records the delivery. Idempotent for the order; a redelivered
   * message adds a second `deliveries` row, so duplicates stay visible to ordeal's checks.
   */
  recordDelivery(orderId: string): Promise<void>
  undeliveredCount(): Promise<number>
  stats(): Promise<StoreStats>
  close(): Promise<void>
}

export interface StoreStats {
  orders: number
  undelivered: number
  deliveries: number
  outboxPending: number
}

/** Thrown by insertOrder / insertOrderWithOutbox when the id exists already. */
export class DuplicateOrderError extends Error {
  constructor(id: string) {
    super(`order ${id} exists already`)
  }
}

/**
 * Plain SQL accepted by both SQLite and PostgreSQL. `isDelivered` is an INTEGER (0/1) in both,
 * so the experiment's probe query is the same whatever the database.
 */
export const kSchema = [
  `CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY,
    isDelivered INTEGER NOT NULL DEFAULT 0,
    createdAt TEXT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS deliveries (order_id TEXT NOT NULL, at TEXT NOT NULL)`,
]

export const now = () => new Date().toISOString()
