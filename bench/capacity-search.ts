/**
 * Benchmark: time to a capacity answer at ±5 % for a server whose capacity is known (N req/s,
 * 503 at once beyond it), the capacity search (ramp ×2, then bisection) against a plain linear
 * ramp with the same step as the final precision (5 % of N), in one run on the same server,
 * the same trial length and the same judge (src/capacity/trial.ts).
 *
 * Run: node --import tsx bench/capacity-search.ts [N=1000] [trial=3s]
 */
import os from 'node:os'
import { runCapacity } from '../src/capacity/run.js'
import type { CapacitySpec } from '../src/capacity/spec.js'
import { runTrial } from '../src/capacity/trial.js'
import { parseDuration } from '../src/shared/duration.js'
import { parseThresholds } from '../src/load/thresholds.js'
import { capacitySpec } from '../test/support/capacity/spec.js'
import { startServer } from '../test/support/capacity/servers.js'

const N = Number(process.argv[2] ?? 1000)
const trialMs = parseDuration(process.argv[3] ?? '3s') ?? 3000
const precision = 0.05

const server = await startServer('token-bucket.mjs', { RATE: String(N) })
const spec: CapacitySpec = capacitySpec(server.port, { max: 20_000, precision, trialMs })
const signal = new AbortController().signal
try {
  let t0 = performance.now()
  let searchTrials = 0
  const result = await runCapacity('bench', 'bench', spec, {
    emit: () => undefined,
    signal,
    onTrial: () => searchTrials++,
  })
  const searchMs = performance.now() - t0

  // The linear ramp: start, start + step, ... until a rate fails; the answer is the last pass.
  const step = Math.round(precision * N)
  const parsed = parseThresholds(spec.thresholds)
  if (!parsed.ok) {
    throw new Error(parsed.message)
  }
  t0 = performance.now()
  let linearTrials = 0
  let linearAnswer = 0
  for (let rate = step; rate <= spec.max; rate += step) {
    const outcome = await runTrial({
      load: spec.load,
      rate,
      trialMs,
      warmupMs: spec.warmupMs,
      thresholds: parsed.thresholds,
      signal,
    })
    linearTrials++
    if (!outcome?.passed) {
      break
    }
    linearAnswer = rate
  }
  const linearMs = performance.now() - t0

  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`
  console.log(
    `${os.cpus().length} cores (${os.cpus()[0]?.model}), Node ${process.version}, N = ${N} req/s, trials of ${trialMs / 1000} s`
  )
  console.log(`| | answer | trials | time to answer |`)
  console.log(`|---|---|---|---|`)
  console.log(
    `| capacity search (×2 ramp, bisection to ±5 %) | ${result?.baseline.sustainable} req/s | ${searchTrials} | ${s(searchMs)} (${(searchMs / linearMs).toFixed(2)}× linear) |`
  )
  console.log(
    `| linear ramp, step ${step} req/s (5 % of N) | ${linearAnswer} req/s | ${linearTrials} | ${s(linearMs)} |`
  )
} finally {
  await server.stop()
}
