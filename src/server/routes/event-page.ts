/**
 * Journal pages as the reads that compete with ingest: a 5,000-event page is served from the
 * JSON text the store holds (no parse, no re-serialisation), and page reads take turns on the
 * event loop, one per turn, so that with a hundred readers a batch of events being posted
 * still gets its turn within a read or two instead of queueing behind all of them
 * (BENCHMARKS.md, "ingest under read load").
 * @module
 */
import type { EventText } from '../store/contract.js'

let last: Promise<void> = Promise.resolve()

/**
 * Resolves when it is this read's turn: at most one page read per event-loop iteration, with
 * the I/O of everything else (ingest requests, health checks) handled between two reads.
 */
export function readTurn(): Promise<void> {
  const turn = last.then(() => new Promise<void>((resolve) => setImmediate(resolve)))
  last = turn
  return turn
}

/** `{ events, next? }` (the EventPage shape) from `limit + 1` rows: one more means a next page. */
export function eventPageJson(rows: readonly EventText[], limit: number): string {
  const more = rows.length > limit
  const page = more ? rows.slice(0, limit) : rows
  const events = page.map((row) => row.json).join(',')
  const next = more ? `,"next":${page[page.length - 1]!.seq}` : ''
  return `{"events":[${events}]${next}}`
}
