/**
 * Does the flagship demo ever flake? Runs `ordeal demo` N times (default 20) while
 * `stress-ng --cpu 2` keeps the machine's cores busy, and tallies each version's verdict, score
 * and lost orders. Passes only when every v1 failed with lost > 0 and every v2 held with 0 lost
 * (issue 13 §1b). Each run's journals, reports and services' output are kept, to explain a
 * bad run.
 *
 *   npm run build && node --import tsx bench/demo-stability.ts [runs] [--duration 20s]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RunResult } from '../src/engine/result.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const cli = path.join(repoRoot, 'dist/cli/main.js')

const args = process.argv.slice(2)
const durationAt = args.indexOf('--duration')
const duration = durationAt >= 0 ? args.splice(durationAt, 2)[1]! : '20s'
const runs = Number(args[0] ?? 20)
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`demo-stability: runs '${args[0]}' must be a positive integer`)
  process.exit(2)
}
if (!existsSync(cli)) {
  console.error('demo-stability: build first (npm run build)')
  process.exit(2)
}
if (spawnSync('stress-ng', ['--version'], { stdio: 'ignore' }).status !== 0) {
  console.error('demo-stability: needs stress-ng (apt-get install stress-ng)')
  process.exit(2)
}

interface Side {
  verdict: string
  score: number
  lost: number | undefined
  reason: string | undefined
}
interface Row {
  run: number
  exitCode: number | null
  seconds: number
  v1: Side | undefined
  v2: Side | undefined
  /** Lines of the run's watchdog logs: how often a watchdog was starved, and lapsed. */
  notScheduled: number
  lapsed: number
  dir: string
}

const out = mkdtempSync(path.join(os.tmpdir(), 'ordeal-demo-stability-'))
console.log(
  `ordeal demo --duration ${duration}, ${runs} runs beside stress-ng --cpu 2 ` +
    `(${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? '?'}); reports in ${out}`
)
// Beside the demo for the whole series, broker boots included: a machine busy with other work.
const stress = spawn('stress-ng', ['--cpu', '2', '--timeout', '24h', '--quiet'], {
  stdio: 'ignore',
})
let current: ChildProcess | undefined
const stopAll = () => {
  current?.kill('SIGINT') // the demo's own Ctrl+C: it tears its system down
  stress.kill('SIGTERM')
}
process.once('SIGINT', () => {
  stopAll()
  process.exitCode = 130
})

const rows: Row[] = []
try {
  for (let run = 1; run <= runs && process.exitCode !== 130; run++) {
    const dir = path.join(out, `run-${String(run).padStart(2, '0')}`)
    mkdirSync(dir)
    const started = performance.now()
    const exitCode = await demo(dir)
    const row: Row = {
      run,
      exitCode,
      seconds: (performance.now() - started) / 1000,
      v1: side(path.join(dir, 'report', 'v1.result.json')),
      v2: side(path.join(dir, 'report', 'v2.result.json')),
      ...watchdogLines(path.join(dir, 'state')),
      dir,
    }
    rows.push(row)
    console.log(formatRow(row, runs))
  }
} finally {
  stress.kill('SIGTERM')
}

const v1Failed = rows.filter((r) => r.v1?.verdict === 'fail' && (r.v1.lost ?? 0) > 0).length
const v2Held = rows.filter((r) => r.v2?.verdict === 'pass' && r.v2.lost === 0).length
const sorted = rows.map((r) => r.seconds).sort((a, b) => a - b)
console.log(
  `\nv1 failed with lost > 0: ${v1Failed}/${rows.length}; v2 held with 0 lost: ${v2Held}/${rows.length}`
)
console.log(
  `lost by v1: ${range(rows.map((r) => r.v1?.lost))}; scores v1 ${scores(rows, 'v1')}, v2 ${scores(rows, 'v2')}`
)
// Whether the watchdog starvation that once tore a v1 down mid-run happened in this series.
console.log(
  `watchdog logs: ${sum(rows, 'notScheduled')} "not scheduled for" lines, ` +
    `${sum(rows, 'lapsed')} "lease lapsed" lines`
)
console.log(
  `seconds per demo: median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(0)}, max ${sorted.at(-1)?.toFixed(0)}`
)
const ok = rows.length === runs && v1Failed === runs && v2Held === runs
console.log(`journals and reports of every run: ${out}`)
process.exitCode = process.exitCode === 130 ? 130 : ok ? 0 : 1

function demo(dir: string): Promise<number | null> {
  const child = spawn(
    process.execPath,
    [cli, 'demo', '--duration', duration, '--report', path.join(dir, 'report'), '--no-progress'],
    {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1', ORDEAL_STATE_DIR: path.join(dir, 'state') },
      stdio: ['ignore', 'pipe', 'pipe'],
    }
  )
  current = child
  const log: Buffer[] = []
  child.stdout.on('data', (d: Buffer) => log.push(d))
  child.stderr.on('data', (d: Buffer) => log.push(d))
  return new Promise((resolve) =>
    child.once('close', (code) => {
      current = undefined
      writeFileSync(path.join(dir, 'demo.log'), Buffer.concat(log))
      resolve(code)
    })
  )
}

/** Counts two kinds of line in every `watchdog.log` under the run's state directory. */
function watchdogLines(stateDir: string): { notScheduled: number; lapsed: number } {
  const counts = { notScheduled: 0, lapsed: 0 }
  if (!existsSync(stateDir)) {
    return counts
  }
  for (const entry of readdirSync(stateDir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name === 'watchdog.log') {
      const text = readFileSync(path.join(entry.parentPath, entry.name), 'utf8')
      counts.notScheduled += text.match(/not scheduled for \d+ ms/g)?.length ?? 0
      counts.lapsed += text.match(/lease lapsed/g)?.length ?? 0
    }
  }
  return counts
}

function sum(all: Row[], key: 'notScheduled' | 'lapsed'): number {
  return all.reduce((n, r) => n + r[key], 0)
}

function side(file: string): Side | undefined {
  if (!existsSync(file)) {
    return undefined
  }
  const r = JSON.parse(readFileSync(file, 'utf8')) as RunResult
  return { verdict: r.verdict, score: r.resilienceScore, lost: r.checks[0]?.lost, reason: r.reason }
}

function formatRow(row: Row, of: number): string {
  const show = (name: string, s: Side | undefined) =>
    s
      ? `${name} ${s.verdict.toUpperCase()} score ${s.score} lost ${s.lost ?? '-'}`
      : `${name} no result`
  const bad =
    !(row.v1?.verdict === 'fail' && (row.v1.lost ?? 0) > 0) ||
    !(row.v2?.verdict === 'pass' && row.v2.lost === 0)
  const why = [row.v1, row.v2]
    .map((s) => s?.reason)
    .filter(Boolean)
    .join(' / ')
  return (
    `run ${String(row.run).padStart(2)}/${of}: ${show('v1', row.v1)} | ${show('v2', row.v2)}` +
    ` | ${row.seconds.toFixed(0)} s, exit ${row.exitCode}` +
    (row.notScheduled + row.lapsed > 0
      ? ` | watchdog: ${row.notScheduled} not scheduled, ${row.lapsed} lapsed`
      : '') +
    (bad ? `\n  NOT REPRODUCED (${why || 'no reason recorded'}): see ${row.dir}` : '')
  )
}

function range(xs: (number | undefined)[]): string {
  const ns = xs.filter((x): x is number => x !== undefined)
  return ns.length ? `min ${Math.min(...ns)}, max ${Math.max(...ns)}` : '-'
}

function scores(all: Row[], version: 'v1' | 'v2'): string {
  const counts = new Map<string, number>()
  for (const r of all) {
    const key = String(r[version]?.score ?? 'none')
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return [...counts].map(([score, n]) => `${score}×${n}`).join(', ')
}
