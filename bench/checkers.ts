/**
 * Benchmark: the `queue` and `set` checkers on generated histories of 1M and 10M operations, in
 * Node's DEFAULT heap (no --max-old-space-size).
 *
 * Each case runs in its own child process (`node --expose-gc --import tsx bench/checkers.ts
 * --case NAME OPS`), so its peak RSS is its own. A history is a load of 64 workers: each op's
 * invoke, and its completion 64 ops later (99 % ok, 0.5 % fail, 0.5 % info), ids `o-<n>`.
 * - queue: deliveries are every acknowledged id in order, minus 0.1 % (lost), plus 0.1 % twice.
 * - set: 10 reads spread over the history, each listing every element acknowledged before it
 *   began minus 0.1 % dropped for good (lost), so the reads list ~5 values per op in total, in
 *   the order they were added (as a table's rows come); "reads shuffled" lists them in an
 *   order where no value follows the one added before it.
 * - **new**: the checker as the engine calls it, the history, deliveries and reads streamed by
 *   generators (no array of ops exists). **old**: the checker before issue 17
 *   (test/support/checks-oracle) on arrays built first (its input must be an array); it is the
 *   baseline, at 1M only (at 10M it runs out of the default heap). **plain Set count**: the
 *   least a queue check can do, counting acknowledged ids absent from a `Set` of the
 *   deliveries, over the same streams. **ndjson**: the new queue checker reading the history
 *   from a journal file (journalFileOps), written first.
 * - ops/s = operations (an invoke and its completion) per second of the check alone; "beyond
 *   input" = the peak of heap + array buffers (sampled every 100k items and after the check)
 *   above what was in use before the check began (for old: after its input arrays were built).
 *
 * Run: node --import tsx bench/checkers.ts [ops...]   (default: 1000000 10000000)
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeSync, openSync, closeSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { HistoryOp } from '../src/load/contract.js'
import type { SetRead } from '../src/checks/contract.js'
import { checkQueue } from '../src/checks/queue.js'
import { checkSet } from '../src/checks/set.js'
import { journalFileOps } from '../src/engine/journal-ops.js'
import { checkQueue as oldQueue } from '../test/support/checks-oracle/queue.js'
import { checkSet as oldSet } from '../test/support/checks-oracle/set.js'

const T0 = 1_700_000_000_000
const kWorkers = 64
/** 20,000 ops/s: a long capacity run's rate. */
const kStep = 0.05
const kReads = 10

type Outcome = 'ok' | 'fail' | 'info'
function outcome(i: number): Outcome {
  return i % 200 === 7 ? 'fail' : i % 200 === 13 ? 'info' : 'ok'
}
const isLost = (i: number) => i % 1000 === 3
const isDuplicated = (i: number) => i % 1000 === 5

function* history(n: number): Generator<HistoryOp> {
  for (let i = 0; i < n + kWorkers; i++) {
    if (i < n) {
      yield {
        seq: i,
        process: i % kWorkers,
        type: 'invoke',
        f: 'POST /orders',
        value: `o-${i}`,
        time: T0 + i * kStep,
      }
    }
    const j = i - kWorkers
    if (j >= 0) {
      yield {
        seq: j,
        process: j % kWorkers,
        type: outcome(j),
        f: 'POST /orders',
        value: `o-${j}`,
        time: T0 + i * kStep,
      }
    }
    sample(i)
  }
}

function* delivered(n: number): Generator<string> {
  for (let i = 0; i < n; i++) {
    if (outcome(i) === 'ok' && !isLost(i)) {
      yield `o-${i}`
      if (isDuplicated(i)) {
        yield `o-${i}`
      }
    }
    sample(i)
  }
}

/** Read k begins after (k+1)/kReads of the history's time, listing what was acknowledged by then. */
function reads(n: number, shuffled = false): SetRead[] {
  return Array.from({ length: kReads }, (_, k) => {
    const upTo = Math.floor((n * (k + 1)) / kReads) - kWorkers - 1
    const invoke = T0 + (upTo + kWorkers + 1) * kStep
    return {
      invoke,
      complete: invoke + 20,
      values: {
        *[Symbol.iterator]() {
          // Shuffled: a stride through the ids coprime with their count (7919 is prime), so
          // that no value follows the one added before it.
          const stride = shuffled ? (upTo % 7919 === 0 ? 7907 : 7919) : 1
          for (let s = 0; s < upTo; s++) {
            const i = (s * stride) % upTo
            if (outcome(i) === 'ok' && !(isLost(i) && k > 0)) {
              yield `o-${i}`
            }
            sample(s)
          }
        },
      },
    }
  })
}

let peak = 0
function used(): number {
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}
function sample(i: number): void {
  if (i % 100_000 === 0) {
    peak = Math.max(peak, used())
  }
}

interface Measure {
  name: string
  ops: number
  seconds: number
  opsPerSecond: number
  /** CPU time of the check: five others share this 2-core machine, so wall time is noisy. */
  cpuSeconds: number
  opsPerCpuSecond: number
  peakRssMB: number
  peakHeapMB: number
  bytesPerOp: number
  verdict: string
}

function measure(name: string, ops: number, run: () => unknown, prepare?: () => unknown): Measure {
  const input = prepare?.()
  global.gc?.()
  const before = used()
  peak = before
  const start = performance.now()
  const cpu = process.cpuUsage()
  const result = run.call(input) as { valid: unknown; lost: unknown[] }
  const spent = process.cpuUsage(cpu)
  const cpuSeconds = (spent.user + spent.system) / 1e6
  const seconds = (performance.now() - start) / 1000
  peak = Math.max(peak, used())
  return {
    name,
    ops,
    seconds,
    opsPerSecond: ops / seconds,
    cpuSeconds,
    opsPerCpuSecond: ops / cpuSeconds,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    peakHeapMB: process.memoryUsage().heapTotal / 2 ** 20,
    bytesPerOp: (peak - before) / ops,
    verdict: `valid ${String(result.valid)}, ${result.lost.length} lost`,
  }
}

function runCase(name: string, n: number): Measure {
  const faults = [
    { faultId: 's2', type: 'process-kill', start: T0 + n * kStep * 0.4, end: T0 + n * kStep * 0.6 },
  ]
  const common = { faults, runStartedAt: T0 }
  switch (name) {
    case 'queue new':
      return measure(name, n, () =>
        checkQueue({ ...common, history: history(n), delivered: delivered(n), duplicates: 'allow' })
      )
    case 'queue old': {
      let input: { history: HistoryOp[]; delivered: string[] }
      return measure(
        name,
        n,
        () => oldQueue({ ...common, ...input, duplicates: 'allow' }),
        () => (input = { history: [...history(n)], delivered: [...delivered(n)] })
      )
    }
    case 'queue plain Set count':
      return measure(name, n, () => {
        const seen = new Set(delivered(n))
        const lost: string[] = []
        for (const op of history(n)) {
          if (op.type === 'ok' && !seen.has(op.value!)) {
            lost.push(op.value!)
          }
        }
        return { valid: lost.length === 0, lost }
      })
    case 'queue ndjson': {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-bench-checkers-'))
      const file = path.join(dir, 'journal.ndjson')
      try {
        const fd = openSync(file, 'w')
        let seq = 0
        for (const op of history(n)) {
          writeSync(
            fd,
            `${JSON.stringify({ type: 'op', stepId: 's1', op, seq: seq++, t: op.time })}\n`
          )
        }
        closeSync(fd)
        return measure(name, n, () =>
          checkQueue({
            ...common,
            history: journalFileOps(file, 's1'),
            delivered: delivered(n),
            duplicates: 'allow',
          })
        )
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
    case 'queue input only':
      // What generating the streams costs: subtracted to give the checker's own rate.
      return measure(name, n, () => {
        let count = 0
        for (const op of history(n)) {
          count += op.seq & 1
        }
        for (const id of delivered(n)) {
          count += id.length & 1
        }
        return { valid: count >= 0, lost: [] }
      })
    case 'set input only':
      return measure(name, n, () => {
        let count = 0
        for (const op of history(n)) {
          count += op.seq & 1
        }
        for (const read of reads(n)) {
          for (const value of read.values) {
            count += value.length & 1
          }
        }
        return { valid: count >= 0, lost: [] }
      })
    case 'set new':
      return measure(name, n, () => checkSet({ ...common, history: history(n), reads: reads(n) }))
    case 'set new, reads shuffled':
      return measure(name, n, () =>
        checkSet({ ...common, history: history(n), reads: reads(n, true) })
      )
    case 'set old': {
      let input: {
        history: HistoryOp[]
        reads: { invoke: number; complete: number; values: string[] }[]
      }
      return measure(
        name,
        n,
        () => oldSet({ ...common, ...input }),
        () =>
          (input = {
            history: [...history(n)],
            reads: reads(n).map((r) => ({ ...r, values: [...r.values] })),
          })
      )
    }
  }
  throw new Error(`unknown case ${name}`)
}

const caseAt = process.argv.indexOf('--case')
if (caseAt !== -1) {
  const result = runCase(process.argv[caseAt + 1]!, Number(process.argv[caseAt + 2]))
  process.stdout.write(`${JSON.stringify(result)}\n`)
} else {
  const sizes = process.argv.slice(2).map(Number)
  const cases = (n: number) => [
    'queue input only',
    'queue new',
    ...(n <= 1_000_000
      ? ['queue old', 'queue plain Set count', 'queue ndjson']
      : ['queue plain Set count']),
    'set input only',
    'set new',
    'set new, reads shuffled',
    ...(n <= 1_000_000 ? ['set old'] : []),
  ]
  const rows: Measure[] = []
  for (const n of sizes.length > 0 ? sizes : [1_000_000, 10_000_000]) {
    for (const name of cases(n)) {
      let m: Measure
      try {
        const out = execFileSync(
          process.execPath,
          ['--expose-gc', '--import', 'tsx', import.meta.filename, '--case', name, String(n)],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 20 }
        )
        m = JSON.parse(out.trim().split('\n').pop()!) as Measure
      } catch (error) {
        const text = String((error as { stderr?: string }).stderr ?? error)
        const why = /heap out of memory/.test(text)
          ? 'out of memory'
          : text.split('\n').slice(-3).join(' ')
        console.log(`${name} ${n}: FAILED (${why})`)
        continue
      }
      rows.push(m)
      console.log(JSON.stringify(m))
    }
  }
  const base = (kind: string, n: number) =>
    rows.find((r) => r.name === `${kind} old` && r.ops === n)
  const oldAt1M = (kind: string) => base(kind, 1_000_000)
  console.log(
    `\n| date | machine | case | ops | s | ops/s | × old at 1M | peak RSS (MB) | beyond input (B/op) | verdict |`
  )
  console.log(`| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`)
  const machine = `${os.cpus()[0]?.model.split(' ')[0] ?? 'cpu'} × ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`
  for (const r of rows) {
    const old = oldAt1M(r.name.split(' ')[0]!)
    const ratio = old ? (r.opsPerSecond / old.opsPerSecond).toFixed(2) : '–'
    console.log(
      `| ${new Date().toISOString().slice(0, 10)} | ${machine} | ${r.name} | ${r.ops.toLocaleString('en')} | ${r.seconds.toFixed(2)} | ${Math.round(r.opsPerSecond).toLocaleString('en')} | ${ratio} | ${Math.round(r.peakRssMB)} | ${Math.round(r.bytesPerOp)} | ${r.verdict} |`
    )
  }
}
