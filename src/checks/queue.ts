/**
 * `queue`: Jepsen's total-queue ("what goes in must come out") on multisets of op ids.
 * @module
 */
import type { QueueCheckInput, QueueCheckResult } from './contract.js'
import { Column } from './ids.js'
import { kOk, operations } from './operations.js'
import type { OpTable } from './operations.js'
import { byTime, findingAt } from './windows.js'

/** Which op a delivery is credited to first: acknowledged, then unknown, then failed. */
const kCreditOrder = [0, 1, 2] // indexed by kOk, kInfo, kFail, which are in that order

/**
 * Compares what the load sent with what the system delivered.
 *
 * - attempted: every op; acknowledged: ok ops; delivered: every delivery (a multiset).
 * - An id's deliveries are credited to its ops, acknowledged ones first, each in invoke order:
 *   an acknowledged op left without one is **lost**; a fail/info op given one is **recovered**.
 * - **duplicated**: delivered more times than it was attempted (once, when ids are unique);
 *   `count` is how many times it was delivered. **unexpected**: delivered, never attempted.
 * - Ops without an id cannot be matched: ok ones are counted in `unidentified`, never lost.
 * - valid: nothing lost, nothing unexpected, and no duplicates when `duplicates` is `fail`.
 *
 * Findings are placed at the op's invoke time (a lost one also at its acknowledgement, which
 * its window describes); lists are in time order and complete.
 *
 * History and deliveries are each read once, as streams; memory is a few typed arrays indexed
 * by op and by id (see operations.ts), plus the findings.
 */
export function checkQueue(input: QueueCheckInput): QueueCheckResult {
  const ctx = { faults: input.faults, runStartedAt: input.runStartedAt }
  const ops = operations(input.history)
  const { ids } = ops
  const groups = groupById(ops)
  const historyIds = ids.size

  // Deliveries per id; ids first seen here are beyond `historyIds` (or have no op: a
  // capture replaced them), and are unexpected in order of first delivery.
  const deliveries = new Column((n) => new Int32Array(n))
  deliveries.ensure(historyIds, 0)
  const unexpected = new Column((n) => new Int32Array(n))
  let delivered = 0
  let i = -1
  for (const value of input.delivered) {
    delivered++
    i = ids.internNear(i + 1, value)
    deliveries.ensure(i + 1, 0)
    const before = deliveries.data[i]!
    deliveries.data[i] = before + 1
    if (before === 0 && (i >= historyIds || groups.size(i) === 0)) {
      unexpected.push(i)
    }
  }
  const times = deliveries.data

  let acknowledged = 0
  let unidentified = 0
  for (let op = 0; op < ops.length; op++) {
    if (ops.type[op] === kOk) {
      acknowledged++
      unidentified += ops.id[op] === -1 ? 1 : 0
    }
  }

  const lost: { i: number; time: number; ackedAt: number | undefined }[] = []
  const recovered: { i: number; time: number }[] = []
  const duplicated: { i: number; time: number; count: number }[] = []
  const group: number[] = []
  const order = (a: number, b: number) =>
    kCreditOrder[ops.type[a]!]! - kCreditOrder[ops.type[b]!]! ||
    ops.invoke[a]! - ops.invoke[b]! ||
    a - b
  for (let i = 0; i < historyIds; i++) {
    const size = groups.size(i)
    if (size === 0) {
      continue
    }
    const count = times[i]!
    if (size === 1) {
      // Almost every id: one op, no sort.
      const op = groups.ops[groups.start[i]!]!
      const ok = ops.type[op] === kOk
      if (ok && count === 0) {
        lost.push({ i, time: ops.invoke[op]!, ackedAt: completion(ops, op) })
      } else if (!ok && count > 0) {
        recovered.push({ i, time: ops.invoke[op]! })
      }
      if (count > 1) {
        duplicated.push({ i, time: ops.invoke[op]!, count })
      }
      continue
    }
    group.length = 0
    for (let k = groups.start[i]!; k < groups.start[i + 1]!; k++) {
      group.push(groups.ops[k]!)
    }
    group.sort(order)
    let first = Infinity
    group.forEach((op, k) => {
      const credited = k < count
      const ok = ops.type[op] === kOk
      if (ok && !credited) {
        lost.push({ i, time: ops.invoke[op]!, ackedAt: completion(ops, op) })
      } else if (!ok && credited) {
        recovered.push({ i, time: ops.invoke[op]! })
      }
      first = Math.min(first, ops.invoke[op]!)
    })
    if (count > size) {
      duplicated.push({ i, time: first, count })
    }
  }

  const named = <T extends { i: number; time: number }>(list: T[]) =>
    list.map((item) => ({ ...item, id: ids.nameOf(item.i) })).sort(byTime)
  const unexpectedIds = Array.from(unexpected.data.subarray(0, unexpected.length), (i) =>
    ids.nameOf(i)
  )

  const valid =
    lost.length === 0 &&
    unexpectedIds.length === 0 &&
    (input.duplicates === 'allow' || duplicated.length === 0)
  return {
    type: 'queue',
    valid,
    attempted: ops.length,
    acknowledged,
    delivered,
    lost: named(lost).map((l) => findingAt(l.id, l.time, ctx, l.ackedAt)),
    duplicated: named(duplicated).map((d) => ({ ...findingAt(d.id, d.time, ctx), count: d.count })),
    unexpected: unexpectedIds,
    recovered: named(recovered).map((r) => findingAt(r.id, r.time, ctx)),
    duplicatesPolicy: input.duplicates,
    unidentified,
  }
}

function completion(ops: OpTable, op: number): number | undefined {
  const t = ops.complete[op]!
  return Number.isNaN(t) ? undefined : t
}

/** Ops grouped by id, in op order within each group (a counting sort: two Int32Arrays). */
interface Groups {
  /** Group i is ops[start[i]..start[i + 1]). */
  start: Int32Array
  ops: Int32Array
  size(i: number): number
}

function groupById(ops: OpTable): Groups {
  const n = ops.ids.size
  const start = new Int32Array(n + 1)
  for (let op = 0; op < ops.length; op++) {
    const i = ops.id[op]!
    if (i !== -1) {
      start[i + 1]!++
    }
  }
  // start[i + 1] becomes where group i ends; filling each group from its end, in reverse op
  // order, leaves it where group i begins and the group in op order (no third array).
  for (let i = 0; i < n; i++) {
    start[i + 1]! += start[i]!
  }
  const grouped = new Int32Array(start[n]!)
  for (let op = ops.length - 1; op >= 0; op--) {
    const i = ops.id[op]!
    if (i !== -1) {
      grouped[--start[i + 1]!] = op
    }
  }
  // Now start[i + 1] is where group i begins; shift by one so start[i] is.
  start.copyWithin(0, 1)
  start[n] = grouped.length
  return {
    start,
    ops: grouped,
    size: (i) => (i < n ? start[i + 1]! - start[i]! : 0),
  }
}
