/**
 * THE ORACLE: the checker as it was before issue 17 (an array in, one object per op), kept only
 * to test the streaming checker against (src/checks/*.properties.test.ts) and as the benchmark's
 * baseline. Never imported by src/.
 *
 * `set`: Jepsen's set-full. Every added element gets a timeline from the repeated reads and
 * ends stable, lost or never read.
 * @module
 */
import type { Quantiles, SetCheckInput, SetCheckResult } from '../../../src/checks/contract.js'
import type { HistoryOp } from '../../../src/load/contract.js'

/** A read as it was: an array of values. */
export interface SetRead {
  invoke: number
  complete: number
  values: readonly string[]
}

/** The input as it was: arrays. */
export type OracleSetInput = Omit<SetCheckInput, 'history' | 'reads'> & {
  history: readonly HistoryOp[]
  reads: readonly SetRead[]
}
import { operations } from './operations.js'
import { byTime, findingAt } from '../../../src/checks/windows.js'

interface Element {
  id: string
  /** Earliest invoke of an ok/info add of this id. */
  invoke: number
  /** Earlier of the first ok completion and the first sighting's completion. */
  known: number | undefined
  /** The latest-beginning reads that showed and missed it (with their rank in invoke order). */
  lastPresent: Observation | undefined
  lastAbsent: Observation | undefined
}

/** A read's place in invoke order stands for Jepsen's history index. */
interface Observation {
  rank: number
  invoke: number
}

type Outcome =
  { kind: 'stable'; latency: number } | { kind: 'lost'; latency: number } | { kind: 'never-read' }

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
 * Latencies follow Jepsen's code (`checker.clj`, `set-full-element-results`), which measures
 * from known to the last observation that contradicts the outcome, not to the next read; the
 * next read's time would mostly measure the read interval.
 *
 * **duplicated**: values seen more than once within one read (Jepsen's filter keeps
 * frequencies `< 1`, so it never reports any; this keeps `> 1`). They are reported and do not
 * change validity.
 *
 * valid: false if anything is lost; `unknown` if nothing is stable; else true.
 */
export function checkSet(input: OracleSetInput): SetCheckResult {
  const ctx = { faults: input.faults, runStartedAt: input.runStartedAt }
  const elements = addedElements(input)
  const duplicated = observe(elements, input.reads)

  const lost: { id: string; time: number; ackedAt: number | undefined }[] = []
  const neverRead: { id: string; time: number }[] = []
  const stableLatencies: number[] = []
  const lostLatencies: number[] = []
  for (const element of elements) {
    const outcome = judge(element)
    if (outcome.kind === 'stable') {
      stableLatencies.push(outcome.latency)
    } else if (outcome.kind === 'lost') {
      lost.push({ id: element.id, time: element.invoke, ackedAt: element.known })
      lostLatencies.push(outcome.latency)
    } else {
      neverRead.push({ id: element.id, time: element.invoke })
    }
  }

  return {
    type: 'set',
    valid: lost.length > 0 ? false : stableLatencies.length === 0 ? 'unknown' : true,
    attempted: elements.length,
    stable: stableLatencies.length,
    lost: lost.sort(byTime).map((l) => findingAt(l.id, l.time, ctx, l.ackedAt)),
    neverRead: neverRead.sort(byTime).map((n) => findingAt(n.id, n.time, ctx)),
    duplicated,
    stableLatencies: quantiles(stableLatencies),
    lostLatencies: quantiles(lostLatencies),
  }
}

function addedElements(input: OracleSetInput): Element[] {
  const elements = new Map<string, Element>()
  for (const op of operations(input.history)) {
    if (op.value === undefined || op.type === 'fail') {
      continue
    }
    const acknowledged = op.type === 'ok' ? op.complete : undefined
    const element = elements.get(op.value)
    if (!element) {
      elements.set(op.value, {
        id: op.value,
        invoke: op.invoke,
        known: acknowledged,
        lastPresent: undefined,
        lastAbsent: undefined,
      })
      continue
    }
    element.invoke = Math.min(element.invoke, op.invoke)
    element.known = earliest(element.known, acknowledged)
  }
  return [...elements.values()]
}

/**
 * Replays the reads in invoke order against every element, one read in memory at a time (a
 * long run holds hundreds of reads of thousands of ids). Returns the values some read listed
 * more than once, in the order first found.
 */
function observe(elements: readonly Element[], reads: readonly SetRead[]): string[] {
  const ordered = reads
    .map((read, i) => ({ read, i }))
    .sort((a, b) => a.read.invoke - b.read.invoke || a.i - b.i)
  const duplicated = new Set<string>()
  ordered.forEach(({ read }, rank) => {
    const present = new Set<string>()
    for (const value of read.values) {
      if (present.has(value)) {
        duplicated.add(value)
      }
      present.add(value)
    }
    const seen: Observation = { rank, invoke: read.invoke }
    for (const element of elements) {
      // Jepsen starts tracking an element at its add's invoke: a read that completed before
      // then says nothing about it.
      if (read.complete < element.invoke) {
        continue
      }
      if (present.has(element.id)) {
        element.known = earliest(element.known, read.complete)
        element.lastPresent = seen
      } else {
        element.lastAbsent = seen
      }
    }
  })
  return [...duplicated]
}

function judge({ known, lastPresent, lastAbsent }: Element): Outcome {
  if (lastPresent && (!lastAbsent || lastAbsent.rank < lastPresent.rank)) {
    const latency = lastAbsent ? Math.max(0, lastAbsent.invoke - known!) : 0
    return { kind: 'stable', latency }
  }
  if (
    known !== undefined &&
    lastAbsent &&
    (!lastPresent || lastPresent.rank < lastAbsent.rank) &&
    known < lastAbsent.invoke
  ) {
    const latency = lastPresent ? Math.max(0, lastPresent.invoke - known) : 0
    return { kind: 'lost', latency }
  }
  return { kind: 'never-read' }
}

/** Jepsen's nearest-rank quantiles: the value at index ⌊n·q⌋, capped at the last. */
export function quantiles(values: readonly number[]): Quantiles | null {
  if (values.length === 0) {
    return null
  }
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number) => {
    const value = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!
    // Microseconds are the finest a latency is worth reporting in.
    return Math.round(value * 1000) / 1000
  }
  return { '0': at(0), '0.5': at(0.5), '0.95': at(0.95), '0.99': at(0.99), '1': at(1) }
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b)
}
