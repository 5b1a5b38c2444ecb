/**
 * A load's history as the checkers take it: streamed from the journal's op events, in memory
 * or in its NDJSON file, never copied into an array (a long capacity run journals millions).
 * @module
 */
import { closeSync, openSync, readSync } from 'node:fs'
import { StringDecoder } from 'node:string_decoder'
import type { HistoryOp } from '../load/contract.js'
import type { JournalEvent } from './events.js'

/**
 * The ops of `stepId`'s load (of every load when undefined), in journal order. Iterable as
 * often as wanted: each pass walks the events again.
 */
export function opsOf(events: Iterable<JournalEvent>, stepId?: string): Iterable<HistoryOp> {
  return {
    *[Symbol.iterator]() {
      for (const e of events) {
        if (e.type === 'op' && (stepId === undefined || e.stepId === stepId)) {
          yield e.op
        }
      }
    },
  }
}

/**
 * The events of an NDJSON journal file, read in 1 MiB chunks, one line parsed at a time (the
 * file may be larger than the heap). Synchronous, like the checkers it feeds; each pass reads
 * the file again. A torn last line (a killed writer) is skipped. Lines whose type is not in
 * `types` (when given) are skipped before parsing: the journal writes `type` first.
 */
export function journalFileEvents(file: string, types?: readonly string[]): Iterable<JournalEvent> {
  const prefixes = types?.map((t) => `{"type":${JSON.stringify(t)},`)
  return {
    *[Symbol.iterator]() {
      const fd = openSync(file, 'r')
      try {
        const decoder = new StringDecoder('utf8')
        const chunk = Buffer.allocUnsafe(1 << 20)
        let rest = ''
        for (;;) {
          const n = readSync(fd, chunk, 0, chunk.length, null)
          if (n === 0) {
            break
          }
          const text = rest + decoder.write(chunk.subarray(0, n))
          let start = 0
          for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
            const line = text.slice(start, end)
            start = end + 1
            if (line.trim() === '' || (prefixes && !prefixes.some((p) => line.startsWith(p)))) {
              continue
            }
            yield JSON.parse(line) as JournalEvent
          }
          rest = text.slice(start)
        }
        const last = rest + decoder.end()
        if (last.trim() !== '' && (!prefixes || prefixes.some((p) => last.startsWith(p)))) {
          try {
            yield JSON.parse(last) as JournalEvent
          } catch {
            // A line cut by a killed writer: the events before it still stand.
          }
        }
      } finally {
        closeSync(fd)
      }
    },
  }
}

/** The ops of `stepId`'s load (of every load when undefined) in an NDJSON journal file. */
export function journalFileOps(file: string, stepId?: string): Iterable<HistoryOp> {
  return opsOf(journalFileEvents(file, ['op']), stepId)
}
