/**
 * THE ORACLE: the checker as it was before issue 17 (an array in, one object per op), kept only
 * to test the streaming checker against (src/checks/*.properties.test.ts) and as the benchmark's
 * baseline. Never imported by src/.
 *
 * Turns a Jepsen-style history (an `invoke`, then one completion) into one record per
 * operation, which is what both checkers reason about.
 * @module
 */
import type { HistoryOp } from '../../../src/load/contract.js'

export interface Operation {
  /** The op id, or undefined when neither the invoke nor the completion carried one. */
  value: string | undefined
  /** Invoke time, ms since the epoch. */
  invoke: number
  /** Completion time; undefined when the history ended before the op completed. */
  complete: number | undefined
  /** An op with no completion in the history is `info`: it may or may not have happened. */
  type: 'ok' | 'fail' | 'info'
}

/**
 * Pairs each completion with its invoke. The key is `f`, process and seq: seq is unique within
 * one load, and `f` and process tell apart loads whose histories were concatenated; a reused
 * key pairs first-in first-out.
 *
 * The op's id is the completion's value when it has one (a `capture` is only known once the
 * system answered, and it is what the system will deliver), else the invoke's. An empty
 * string counts as no id: it is what a capture that matched nothing renders to.
 */
export function operations(history: readonly HistoryOp[]): Operation[] {
  const ops: Operation[] = []
  const pending = new Map<string, Operation[]>()
  for (const entry of history) {
    const key = `${entry.f}\u0000${entry.process}\u0000${entry.seq}`
    if (entry.type === 'invoke') {
      const op: Operation = {
        value: idOf(entry.value),
        invoke: entry.time,
        complete: undefined,
        type: 'info',
      }
      ops.push(op)
      const queue = pending.get(key)
      if (queue) {
        queue.push(op)
      } else {
        pending.set(key, [op])
      }
      continue
    }
    const op = pending.get(key)?.shift()
    if (op) {
      op.type = entry.type
      op.complete = entry.time
      op.value = idOf(entry.value) ?? op.value
    } else {
      // A completion without its invoke (a history cut at the front): keep it rather than
      // silently drop an acknowledgement; its completion time is the best invoke time known.
      ops.push({
        value: idOf(entry.value),
        invoke: entry.time,
        complete: entry.time,
        type: entry.type,
      })
    }
  }
  return ops
}

function idOf(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}
