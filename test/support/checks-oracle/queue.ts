/**
 * THE ORACLE: the checker as it was before issue 17 (an array in, one object per op), kept only
 * to test the streaming checker against (src/checks/*.properties.test.ts) and as the benchmark's
 * baseline. Never imported by src/.
 *
 * `queue`: Jepsen's total-queue ("what goes in must come out") on multisets of op ids.
 * @module
 */
import type { QueueCheckInput, QueueCheckResult } from '../../../src/checks/contract.js'
import type { HistoryOp } from '../../../src/load/contract.js'

/** The input as it was: arrays. */
export type OracleQueueInput = Omit<QueueCheckInput, 'history' | 'delivered'> & {
  history: readonly HistoryOp[]
  delivered: readonly string[]
}
import { operations } from './operations.js'
import type { Operation } from './operations.js'
import { byTime, findingAt } from '../../../src/checks/windows.js'

/** Which op a delivery is credited to first: acknowledged, then unknown, then failed. */
const kCreditOrder = { ok: 0, info: 1, fail: 2 } as const

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
 */
export function checkQueue(input: OracleQueueInput): QueueCheckResult {
  const ctx = { faults: input.faults, runStartedAt: input.runStartedAt }
  const deliveries = countDeliveries(input.delivered)
  const ops = operations(input.history)

  let acknowledged = 0
  let unidentified = 0
  const byId = new Map<string, Operation[]>()
  for (const op of ops) {
    if (op.type === 'ok') {
      acknowledged++
    }
    if (op.value === undefined) {
      unidentified += op.type === 'ok' ? 1 : 0
      continue
    }
    const group = byId.get(op.value)
    if (group) {
      group.push(op)
    } else {
      byId.set(op.value, [op])
    }
  }

  const lost: { id: string; time: number; ackedAt: number | undefined }[] = []
  const recovered: { id: string; time: number }[] = []
  const duplicated: { id: string; time: number; count: number }[] = []
  for (const [id, group] of byId) {
    const times = deliveries.get(id) ?? 0
    group.sort((a, b) => kCreditOrder[a.type] - kCreditOrder[b.type] || a.invoke - b.invoke)
    group.forEach((op, i) => {
      const credited = i < times
      if (op.type === 'ok' && !credited) {
        lost.push({ id, time: op.invoke, ackedAt: op.complete })
      } else if (op.type !== 'ok' && credited) {
        recovered.push({ id, time: op.invoke })
      }
    })
    if (times > group.length) {
      const first = group.reduce((min, op) => Math.min(min, op.invoke), Infinity)
      duplicated.push({ id, time: first, count: times })
    }
  }
  // In order of first delivery: the order the source listed them.
  const unexpected = [...deliveries.keys()].filter((id) => !byId.has(id))

  const valid =
    lost.length === 0 &&
    unexpected.length === 0 &&
    (input.duplicates === 'allow' || duplicated.length === 0)
  return {
    type: 'queue',
    valid,
    attempted: ops.length,
    acknowledged,
    delivered: input.delivered.length,
    lost: lost.sort(byTime).map((l) => findingAt(l.id, l.time, ctx, l.ackedAt)),
    duplicated: duplicated
      .sort(byTime)
      .map((d) => ({ ...findingAt(d.id, d.time, ctx), count: d.count })),
    unexpected,
    recovered: recovered.sort(byTime).map((r) => findingAt(r.id, r.time, ctx)),
    duplicatesPolicy: input.duplicates,
    unidentified,
  }
}

function countDeliveries(delivered: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const id of delivered) {
    counts.set(id, (counts.get(id) ?? 0) + 1)
  }
  return counts
}
