/**
 * `set`: Jepsen's set-full. Every added element gets a timeline from the repeated reads and
 * ends stable, lost or never read.
 * @module
 */
import type { Quantiles, SetCheckInput, SetCheckResult } from './contract.js'
import { kFail, kOk, operations } from './operations.js'
import { ReadOrder } from './read-order.js'
import { byTime, findingAt } from './windows.js'

/**
 * Judges every element added by an ok or info op (a failed add definitely did not happen, so
 * it is not tracked) against the reads:
 *
 * - known: the earlier of the add's ok completion and the completion of the first read that
 *   shows it;
 * - **stable**: some read that saw it began after the last read that missed it; latency = that
 *   last miss's invoke − known, floored at 0 (0 when no read missed it);
 * - **lost**: known, and a read that began after both the last sighting and the known time
 *   missed it; latency = last sighting's invoke − known, floored at 0;
 * - **never read** otherwise: a read concurrent with the add that misses it proves nothing.
 *
 * Reads count in invoke order (their rank stands for Jepsen's history index), and a read that
 * completed before an element's add was invoked says nothing about it (Jepsen starts tracking
 * an element at its add's invoke).
 *
 * Latencies follow Jepsen's code (`checker.clj`, `set-full-element-results`), which measures
 * from known to the last observation that contradicts the outcome, not to the next read; the
 * next read's time would mostly measure the read interval.
 *
 * **duplicated**: values seen more than once within one read (Jepsen's filter keeps
 * frequencies `< 1`, so it never reports any; this keeps `> 1`). They are reported and do not
 * change validity.
 *
 * valid: false if anything is lost; `unknown` if nothing is stable; else true.
 *
 * Cost: linear in history + the values the reads list. Each element's last miss is found
 * without visiting it on every read: it is the last read that counts for it, unless that read
 * showed it, in which case it is the read just before its last unbroken run of sightings
 * (`streak`), both found from the reads' completion times alone (read-order.ts).
 */
export function checkSet(input: SetCheckInput): SetCheckResult {
  const ctx = { faults: input.faults, runStartedAt: input.runStartedAt }
  const ops = operations(input.history)
  const n = ops.ids.size

  // Per id (elements are the ids of ok/info adds; other ids stay NaN / -1).
  const invoke = new Float64Array(n).fill(NaN)
  const known = new Float64Array(n).fill(NaN)
  for (let op = 0; op < ops.length; op++) {
    const i = ops.id[op]!
    if (i === -1 || ops.type[op] === kFail) {
      continue
    }
    const t = ops.invoke[op]!
    invoke[i] = Number.isNaN(invoke[i]!) ? t : Math.min(invoke[i]!, t)
    if (ops.type[op] === kOk) {
      known[i] = earliest(known[i]!, ops.complete[op]!)
    }
  }

  const reads = new ReadOrder(input.reads)
  // The last read that showed the element, and where its unbroken run of sightings up to that
  // read began (counting only reads that count for it): the read before that run missed it.
  const lastPresent = new Int32Array(n).fill(-1)
  const streak = new Int32Array(n).fill(-1)
  // The last read (by rank) whose list held the id: a second sighting in it is a duplicate.
  const lastListed = new Int32Array(n).fill(-1)
  const duplicated = new Set<string>()
  for (let rank = 0; rank < reads.length; rank++) {
    const read = reads.at(rank)
    const unknown = new Set<string>()
    let i = -1
    for (const value of read.values) {
      i = ops.ids.findNear(i + 1, value)
      if (i === -1) {
        if (unknown.has(value)) {
          duplicated.add(value)
        }
        unknown.add(value)
        continue
      }
      if (lastListed[i] === rank) {
        duplicated.add(value)
        continue
      }
      lastListed[i] = rank
      const x = invoke[i]!
      if (Number.isNaN(x) || read.complete < x) {
        continue
      }
      known[i] = earliest(known[i]!, read.complete)
      const previous = lastPresent[i]!
      if (
        previous === -1 ||
        (previous !== rank - 1 && reads.previousCounting(rank, x) !== previous)
      ) {
        streak[i] = rank
      }
      lastPresent[i] = rank
    }
  }

  const lost: { i: number; time: number; ackedAt: number | undefined }[] = []
  const neverRead: { i: number; time: number }[] = []
  const stableLatencies: number[] = []
  const lostLatencies: number[] = []
  for (let i = 0; i < n; i++) {
    const x = invoke[i]!
    if (Number.isNaN(x)) {
      continue
    }
    const present = lastPresent[i]!
    const last = reads.previousCounting(reads.length, x)
    const absent = present !== -1 && present === last ? reads.previousCounting(streak[i]!, x) : last
    const k = known[i]!
    if (present !== -1 && (absent === -1 || absent < present)) {
      stableLatencies.push(absent === -1 ? 0 : Math.max(0, reads.invokeAt(absent) - k))
    } else if (
      !Number.isNaN(k) &&
      absent !== -1 &&
      present < absent &&
      k < reads.invokeAt(absent)
    ) {
      lost.push({ i, time: x, ackedAt: k })
      lostLatencies.push(present === -1 ? 0 : Math.max(0, reads.invokeAt(present) - k))
    } else {
      neverRead.push({ i, time: x })
    }
  }

  const named = <T extends { i: number; time: number }>(list: T[]) =>
    list.map((item) => ({ ...item, id: ops.ids.nameOf(item.i) })).sort(byTime)
  return {
    type: 'set',
    valid: lost.length > 0 ? false : stableLatencies.length === 0 ? 'unknown' : true,
    attempted: elementCount(invoke),
    stable: stableLatencies.length,
    lost: named(lost).map((l) => findingAt(l.id, l.time, ctx, l.ackedAt)),
    neverRead: named(neverRead).map((r) => findingAt(r.id, r.time, ctx)),
    duplicated: [...duplicated],
    stableLatencies: quantiles(stableLatencies),
    lostLatencies: quantiles(lostLatencies),
  }
}

function elementCount(invoke: Float64Array): number {
  let count = 0
  for (const t of invoke) {
    count += Number.isNaN(t) ? 0 : 1
  }
  return count
}

/** Jepsen's nearest-rank quantiles: the value at index ⌊n·q⌋, capped at the last. */
export function quantiles(values: readonly number[]): Quantiles | null {
  if (values.length === 0) {
    return null
  }
  // A typed array sorts numerically, natively: millions of latencies in one call.
  const sorted = Float64Array.from(values).sort()
  const at = (q: number) => {
    const value = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!
    // Microseconds are the finest a latency is worth reporting in.
    return Math.round(value * 1000) / 1000
  }
  return { '0': at(0), '0.5': at(0.5), '0.95': at(0.95), '0.99': at(0.99), '1': at(1) }
}

/** The earlier of two times, NaN standing for "not known". */
function earliest(a: number, b: number): number {
  return Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b)
}
