/**
 * Turns a Jepsen-style history (an `invoke`, then one completion) into one record per
 * operation, which is what both checkers reason about. The history is consumed as a stream
 * (a journal holds millions of ops) and the operations are kept as columns of typed arrays
 * indexed by op, with ids interned: no object per op survives the pass.
 * @module
 */
import type { HistoryOp } from '../load/contract.js'
import { Column, IdTable } from './ids.js'

/** An op's outcome in `OpTable.type`: an op never completed is `info` (it may have happened). */
export const kOk = 0
export const kInfo = 1
export const kFail = 2

/** The operations of a history, in invoke order (a completion without invoke where it came). */
export interface OpTable {
  length: number
  /** Invoke time, ms since the epoch. */
  invoke: Float64Array
  /** Completion time; NaN when the history ended before the op completed. */
  complete: Float64Array
  /** kOk, kInfo or kFail. */
  type: Uint8Array
  /** The op's id as an index into `ids`, or -1 when neither invoke nor completion had one. */
  id: Int32Array
  ids: IdTable
}

const kOutcome = { ok: kOk, info: kInfo, fail: kFail } as const

/**
 * Pairs each completion with its invoke. The key is `f`, process and seq: seq is unique within
 * one load, and `f` and process tell apart loads whose histories were concatenated; a reused
 * key pairs first-in first-out. A key leaves the pending map when its last invoke completes,
 * so the map holds only the ops in flight.
 *
 * The op's id is the completion's value when it has one (a `capture` is only known once the
 * system answered, and it is what the system will deliver), else the invoke's. An empty
 * string counts as no id: it is what a capture that matched nothing renders to.
 */
export function operations(history: Iterable<HistoryOp>, ids = new IdTable()): OpTable {
  const invoke = new Column((n) => new Float64Array(n))
  const complete = new Column((n) => new Float64Array(n))
  const type = new Column((n) => new Uint8Array(n))
  const id = new Column((n) => new Int32Array(n))
  const pending = new PendingOps()
  const fs = new Map<string, number>()

  let lastF = ''
  let f = -1
  for (const entry of history) {
    // Nearly every entry has the same `f` as the one before: no lookup then.
    if (entry.f !== lastF || f === -1) {
      lastF = entry.f
      f = fs.get(lastF) ?? fs.size
      fs.set(lastF, f)
    }
    const map = pending.of(f, entry.process)
    const key = map === pending.other ? `${f}\u0000${entry.process}\u0000${entry.seq}` : entry.seq
    if (entry.type === 'invoke') {
      const op = invoke.push(entry.time)
      complete.push(NaN)
      type.push(kInfo)
      id.push(idOf(entry.value, ids))
      const queue = map.get(key)
      if (queue === undefined) {
        map.set(key, op)
      } else if (typeof queue === 'number') {
        map.set(key, [queue, op])
      } else {
        queue.push(op)
      }
      continue
    }
    const queue = map.get(key)
    let op: number | undefined
    if (typeof queue === 'number') {
      op = queue
      map.delete(key)
    } else if (queue !== undefined) {
      op = queue.shift()!
      if (queue.length === 1) {
        map.set(key, queue[0]!)
      }
    }
    if (op !== undefined) {
      type.data[op] = kOutcome[entry.type]
      complete.data[op] = entry.time
      const invoked = id.data[op]!
      // Most completions repeat the invoke's id: compared in place, not looked up again.
      if (entry.value && (invoked === -1 || !ids.is(invoked, entry.value))) {
        id.data[op] = ids.intern(entry.value)
      }
    } else {
      const value = idOf(entry.value, ids)
      // A completion without its invoke (a history cut at the front): keep it rather than
      // silently drop an acknowledgement; its completion time is the best invoke time known.
      invoke.push(entry.time)
      complete.push(entry.time)
      type.push(kOutcome[entry.type])
      id.push(value)
    }
  }
  return {
    length: invoke.length,
    invoke: invoke.data,
    complete: complete.data,
    type: type.data,
    id: id.data,
    ids,
  }
}

type Pending = Map<number | string, number | number[]>

/**
 * The ops in flight, by key: one small map per `f` and process, keyed by seq (a small integer,
 * hashed without allocating), when they are small integers as every ordeal load makes them;
 * else one map keyed by the three as a string. Entries go when their op completes.
 */
class PendingOps {
  readonly #byProcess: (Pending | undefined)[] = []
  readonly other: Pending = new Map()

  of(f: number, process: number): Pending {
    if (f < 32 && process >= 0 && process < 65_536 && Number.isInteger(process)) {
      const at = f * 65_536 + process
      let map = this.#byProcess[at]
      if (map === undefined) {
        map = new Map()
        this.#byProcess[at] = map
      }
      return map
    }
    return this.other
  }
}

function idOf(value: string | undefined, ids: IdTable): number {
  return value === undefined || value === '' ? -1 : ids.intern(value)
}
