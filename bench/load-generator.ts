/**
 * Benchmark: ordeal's load generator against autocannon and wrk, in one run so the results
 * are ratios on the same machine. A Node `http` hello server is pinned to core 0 and each tool
 * to core 1 (`taskset`), so a tool only ever has one core:
 *
 * 1. closed loop, 64 connections: `ordeal load --concurrency 64 --workers 1` vs autocannon
 *    `-c 64` vs wrk `-t1 -c64` (req/s and the tool's CPU seconds);
 * 2. open model at 20,000 req/s through the CLI and through `loadCommand` called from a
 *    script (the library path): achieved rate, response p50, warnings;
 * 3. closed loop with `--workers 1` vs `--workers 2`, the generator not pinned (the server
 *    still is, on core 0).
 *
 * Rounds are interleaved (ordeal, autocannon, wrk, ordeal, ...) so a neighbour's burst hits
 * every tool alike; the best round of each is reported.
 *
 * Needs: `npm run build`, `bash scripts/bench-deps.sh` (wrk), autocannon (devDependency).
 * Run: node --import tsx bench/load-generator.ts [seconds=10] [rounds=2]
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { LoadSummary } from '../src/load/contract.js'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const cli = path.join(repo, 'dist/cli/main.js')
const seconds = Number(process.argv[2] ?? 10)
const rounds = Number(process.argv[3] ?? 2)
const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-bench-load-'))

const kServer = `
import http from 'node:http'
const server = http.createServer((req, res) => res.end('hello world'))
server.keepAliveTimeout = 120000
server.listen(0, '127.0.0.1', () => console.log(server.address().port))
`
const kLibrary = `
const [url, rate, duration, workers, json] = process.argv.slice(2)
const { loadCommand } = await import(${JSON.stringify(path.join(repo, 'dist/cli/commands/load.js'))})
const code = await loadCommand(url, { rate, duration, workers, json, progress: false, header: [], threshold: [] })
process.exit(code)
`

interface Measured {
  stdout: string
  /** User + system CPU seconds of the tool (bash's `times` for its children). */
  cpu: number
}

/** Runs a command under bash and reads its children's CPU time from `times`. */
async function measure(command: string[]): Promise<Measured> {
  const child = spawn('bash', ['-c', '"$@" 2>/dev/null; times', 'bash', ...command], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let stdout = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  await once(child, 'close')
  const lines = stdout.trimEnd().split('\n')
  const times = lines.at(-1) ?? ''
  const cpu = [...times.matchAll(/(\d+)m([\d.]+)s/g)].reduce(
    (sum, m) => sum + Number(m[1]) * 60 + Number(m[2]),
    0
  )
  return { stdout: lines.slice(0, -2).join('\n'), cpu }
}

function summaryOf(file: string): LoadSummary {
  return JSON.parse(readFileSync(file, 'utf8')) as LoadSummary
}

interface Result {
  rps: number
  cpu: number
  p50?: number
  warnings?: number
}

async function ordealClosed(url: string, workers: number, pin: boolean): Promise<Result> {
  const json = path.join(dir, 'closed.json')
  const args = ['node', cli, 'load', url, '--concurrency', '64', '--duration', `${seconds}s`]
  const pinning = pin ? ['taskset', '-c', '1'] : []
  const r = await measure([
    ...pinning,
    ...args,
    ...['--workers', String(workers), '--no-progress', '--json', json],
  ])
  const s = summaryOf(json)
  return { rps: s.requests / (s.durationMs / 1000), cpu: r.cpu, warnings: s.warnings.length }
}

async function autocannon(url: string): Promise<Result> {
  const bin = createRequire(import.meta.url).resolve('autocannon/autocannon.js')
  const r = await measure([
    'taskset',
    '-c',
    '1',
    'node',
    bin,
    '-c',
    '64',
    '-d',
    String(seconds),
    '-j',
    url,
  ])
  const out = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as {
    requests: { total: number }
    duration: number
  }
  return { rps: out.requests.total / out.duration, cpu: r.cpu }
}

async function wrk(url: string): Promise<Result> {
  const r = await measure(['taskset', '-c', '1', 'wrk', '-t1', '-c64', `-d${seconds}s`, url])
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1])
  return { rps, cpu: r.cpu }
}

async function openModel(url: string, via: 'cli' | 'library'): Promise<Result> {
  const json = path.join(dir, `open-${via}.json`)
  const duration = `${seconds}s`
  const command =
    via === 'cli'
      ? ['node', cli, 'load', url, '--rate', '20000', '--duration', duration, '--workers', '1']
      : ['node', path.join(dir, 'library.mjs'), url, '20000', duration, '1', json]
  const r = await measure([
    'taskset',
    '-c',
    '1',
    ...command,
    ...(via === 'cli' ? ['--no-progress', '--json', json] : []),
  ])
  const s = summaryOf(json)
  return {
    rps: s.rate.achieved,
    cpu: r.cpu,
    p50: s.latency.response.p50,
    warnings: s.warnings.length,
  }
}

function best(results: Result[]): Result {
  return results.reduce((a, b) => (b.rps > a.rps ? b : a))
}

async function main(): Promise<void> {
  writeFileSync(path.join(dir, 'server.mjs'), kServer)
  writeFileSync(path.join(dir, 'library.mjs'), kLibrary)
  const server = spawn('taskset', ['-c', '0', 'node', path.join(dir, 'server.mjs')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const [line] = (await once(server.stdout, 'data')) as [Buffer]
  const url = `http://127.0.0.1:${line.toString().trim()}/`
  const all: Record<string, Result[]> = {}
  const record = (name: string, r: Result) => {
    ;(all[name] ??= []).push(r)
    process.stderr.write(`${name}: ${Math.round(r.rps)} req/s, ${r.cpu.toFixed(1)} s CPU\n`)
  }
  try {
    for (let round = 0; round < rounds; round++) {
      record('ordeal', await ordealClosed(url, 1, true))
      record('autocannon', await autocannon(url))
      record('wrk', await wrk(url))
      record('open-cli', await openModel(url, 'cli'))
      record('open-library', await openModel(url, 'library'))
      record('workers-1', await ordealClosed(url, 1, false))
      record('workers-2', await ordealClosed(url, 2, false))
    }
  } finally {
    server.kill()
    rmSync(dir, { recursive: true, force: true })
  }
  const b = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, best(v)])) as Record<
    string,
    Result
  >
  const ratio = (a: string, c: string) => (b[a]!.rps / b[c]!.rps).toFixed(2)
  // CPU per request includes the tool's start-up (for the ordeal CLI, ~1 s of module loading).
  const row = (name: string) =>
    `${Math.round(b[name]!.rps)} req/s, ${b[name]!.cpu.toFixed(1)} s CPU ` +
    `(${((b[name]!.cpu * 1e6) / (b[name]!.rps * seconds)).toFixed(0)} µs/request)` +
    (b[name]!.p50 !== undefined ? `, response p50 ${b[name]!.p50!.toFixed(2)} ms` : '') +
    (b[name]!.warnings ? `, ${b[name]!.warnings} warnings` : '')
  const lines = [
    `closed loop, 64 connections, ${seconds} s, best of ${rounds}:`,
    `  ordeal      ${row('ordeal')}`,
    `  autocannon  ${row('autocannon')}`,
    `  wrk         ${row('wrk')}`,
    `  ordeal/autocannon ${ratio('ordeal', 'autocannon')}, ordeal/wrk ${ratio('ordeal', 'wrk')}`,
    `open model 20,000 req/s, one worker:`,
    `  CLI         ${row('open-cli')}`,
    `  library     ${row('open-library')}`,
    `  CLI/library ${ratio('open-cli', 'open-library')}`,
    `closed loop, generator unpinned:`,
    `  --workers 1 ${row('workers-1')}`,
    `  --workers 2 ${row('workers-2')}`,
    `  2/1         ${ratio('workers-2', 'workers-1')}`,
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
}

await main()
