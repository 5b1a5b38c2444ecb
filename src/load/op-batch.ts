/**
 * History ops as they cross from a worker thread to the main thread: columns of numbers in one
 * transferred Float64Array instead of an array of objects. Structured-cloning objects cost
 * both threads about as much per op as sending the request did, and the main thread receives
 * every worker's ops, so it capped what extra threads could add. `f` is the same for every op
 * of a load and is not sent at all; only the optional strings (value, error) are cloned.
 * @module
 */
import type { HistoryOp } from './contract.js'

const kTypes = ['invoke', 'ok', 'fail', 'info'] as const
const kTypeIndex: Record<HistoryOp['type'], number> = { invoke: 0, ok: 1, fail: 2, info: 3 }
// Per op: seq, process, type, time, status (NaN when absent).
const kColumns = 5

export interface OpBatch {
  numbers: Float64Array
  /** value and error per op, in order; null when absent. */
  strings: (string | null)[]
}

/** Accumulates ops in a worker until `take()` hands them over as one batch. */
export class OpBatchBuilder {
  #numbers: Float64Array
  #strings: (string | null)[] = []
  #length = 0

  constructor(capacity: number) {
    this.#numbers = new Float64Array(capacity * kColumns)
  }

  get length(): number {
    return this.#length
  }

  push(op: HistoryOp): void {
    if ((this.#length + 1) * kColumns > this.#numbers.length) {
      const grown = new Float64Array(this.#numbers.length * 2)
      grown.set(this.#numbers)
      this.#numbers = grown
    }
    const at = this.#length * kColumns
    this.#numbers[at] = op.seq
    this.#numbers[at + 1] = op.process
    this.#numbers[at + 2] = kTypeIndex[op.type]
    this.#numbers[at + 3] = op.time
    this.#numbers[at + 4] = op.status ?? Number.NaN
    this.#strings.push(op.value ?? null, op.error ?? null)
    this.#length++
  }

  /** The batch so far (its buffer can be transferred); the builder starts a new one. */
  take(): OpBatch {
    const batch = {
      numbers: this.#numbers.slice(0, this.#length * kColumns),
      strings: this.#strings,
    }
    this.#strings = []
    this.#length = 0
    return batch
  }
}

/** Calls `each` with every op of the batch, rebuilt with `f`. */
export function forEachOp(batch: OpBatch, f: string, each: (op: HistoryOp) => void): void {
  const { numbers, strings } = batch
  const count = numbers.length / kColumns
  for (let i = 0; i < count; i++) {
    const at = i * kColumns
    const status = numbers[at + 4]!
    const value = strings[i * 2]
    const error = strings[i * 2 + 1]
    const op: HistoryOp = {
      seq: numbers[at]!,
      process: numbers[at + 1]!,
      type: kTypes[numbers[at + 2]!]!,
      f,
      time: numbers[at + 3]!,
    }
    if (value !== null && value !== undefined) {
      op.value = value
    }
    if (error !== null && error !== undefined) {
      op.error = error
    }
    if (!Number.isNaN(status)) {
      op.status = status
    }
    each(op)
  }
}
