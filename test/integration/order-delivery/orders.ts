/** Drives orders at the order service and reads what the delivery service recorded. */
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import Database from 'better-sqlite3'

export interface OrderHistory {
  attempted: number
  /** Ids the order service answered 201 for: the orders it promised to deliver. */
  acknowledged: Set<string>
  failed: number
}

/**
 * POSTs `rate` orders per second for `durationMs`, open model (a request is sent on time
 * whether or not earlier ones answered). `at` runs a callback at an offset, e.g. a kill.
 */
export async function driveOrders(
  url: string,
  options: { rate: number; durationMs: number; at?: { ms: number; run: () => void } }
): Promise<OrderHistory> {
  const history: OrderHistory = { attempted: 0, acknowledged: new Set(), failed: 0 }
  const pending: Promise<void>[] = []
  const start = performance.now()
  const total = Math.round((options.rate * options.durationMs) / 1000)
  let fired = false
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / options.rate
    await sleep(Math.max(0, due - performance.now()))
    if (options.at && !fired && performance.now() - start >= options.at.ms) {
      fired = true
      options.at.run()
    }
    pending.push(postOrder(url, history))
  }
  await Promise.all(pending)
  return history
}

async function postOrder(url: string, history: OrderHistory): Promise<void> {
  const id = randomUUID()
  history.attempted++
  try {
    const response = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id }),
      signal: AbortSignal.timeout(10_000),
    })
    await response.arrayBuffer()
    if (response.status === 201) {
      history.acknowledged.add(id)
    } else {
      history.failed++
    }
  } catch {
    history.failed++
  }
}

/** Order ids in `deliveries`, one entry per processed message (duplicates repeat). */
export function deliveredIds(dbFile: string): string[] {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true })
  try {
    db.pragma('busy_timeout = 2000')
    return db.prepare('SELECT order_id FROM deliveries').pluck().all() as string[]
  } finally {
    db.close()
  }
}

export interface Outcome {
  acknowledged: number
  delivered: number
  lost: string[]
  duplicated: number
}

export function outcome(history: OrderHistory, delivered: string[]): Outcome {
  const seen = new Set(delivered)
  return {
    acknowledged: history.acknowledged.size,
    delivered: seen.size,
    lost: [...history.acknowledged].filter((id) => !seen.has(id)),
    duplicated: delivered.length - seen.size,
  }
}

/**
 * Polls until every acknowledged order is delivered, or until nothing new arrived for
 * `quietMs` (what is missing then is not coming), or `timeoutMs`.
 */
export async function drain(
  dbFile: string,
  history: OrderHistory,
  options: { timeoutMs: number; quietMs: number }
): Promise<Outcome> {
  const deadline = Date.now() + options.timeoutMs
  let last = -1
  let changedAt = Date.now()
  for (;;) {
    const result = outcome(history, deliveredIds(dbFile))
    if (result.lost.length === 0) {
      return result
    }
    if (result.delivered !== last) {
      last = result.delivered
      changedAt = Date.now()
    }
    if (Date.now() - changedAt >= options.quietMs || Date.now() >= deadline) {
      return result
    }
    await sleep(200)
  }
}
