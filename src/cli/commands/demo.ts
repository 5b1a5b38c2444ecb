/**
 * `ordeal demo [order-delivery]`: the KubeCon scenario, reproducible by anyone. Runs v1 then
 * v2 of the order/delivery system on real RabbitMQ nodes and prints them side by side.
 * @module
 */
import { checkOutputPaths } from '../output-paths.js'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnSync } from 'node:child_process'
import { loadExperimentFile } from '../../experiment/load.js'
import { startRun, type RunHandle } from '../../engine/runner.js'
import type { RunResult } from '../../engine/result.js'
import { formatDuration, parseDuration } from '../../shared/duration.js'
import { TerminalReporter } from '../../report/terminal.js'
import { writeJunit } from '../../report/junit.js'
import { installSignalHandlers } from '../signals.js'
import { UsageError } from '../exit.js'
import { formatDemoTable } from './demo-table.js'

export interface DemoOptions {
  duration?: string
  json?: string
  report?: string
  verbose?: boolean
  progress?: boolean
}

const kDemos = ['order-delivery'] as const
const kExamples = fileURLToPath(new URL('../../../examples/', import.meta.url))

export async function demoCommand(name: string, options: DemoOptions): Promise<number> {
  if (!(kDemos as readonly string[]).includes(name)) {
    throw new UsageError(`ordeal demo: unknown demo '${name}' (available: ${kDemos.join(', ')})`)
  }
  const duration = options.duration ?? '60s'
  const ms = parseDuration(duration)
  if (ms === undefined || ms < 5000) {
    throw new UsageError(
      `ordeal demo: --duration '${duration}' must be a duration of at least 5s, like 20s`
    )
  }
  if (
    spawnSync('sh', ['-c', 'command -v rabbitmq-server && command -v epmd'], { stdio: 'ignore' })
      .status !== 0
  ) {
    process.stderr.write(
      'ordeal demo needs RabbitMQ (rabbitmq-server and epmd).\n' +
        'Install it with: sudo apt-get install -y --no-install-recommends rabbitmq-server\n' +
        '(or run scripts/system-deps.sh demo from the ordeal repository)\n'
    )
    return 3
  }
  // `--report DIR` is created; `--json FILE` must be writable: both before RabbitMQ starts.
  checkOutputPaths('demo', { '--json': options.json })
  // Every run's journal and report are written somewhere: into `--report DIR`, or else a
  // temp dir that is kept whenever the demo did not show what it should, so a surprising
  // verdict can always be explained from its journal (issue 13 §1b).
  const reportDir = options.report ? ensureDir(options.report) : newTempReportDir()
  // The broker is killed a quarter of the way in (15 s of the seed's 60 s).
  const set = { ORDERS_DURATION: duration, KILL_AFTER: formatDuration(Math.round(ms / 4)) }
  // One handler for the whole demo, so Ctrl+C between or before runs is honoured too.
  let current: RunHandle | undefined
  let interrupted = false
  const stopSignals = installSignalHandlers({
    abort: (kind, reason) => {
      interrupted = true
      current?.abort(kind, reason)
    },
    undoNow: () => current?.undoNow() ?? Promise.resolve(),
  })
  let code = 3
  try {
    code = await runBoth(
      name,
      set,
      { ...options, report: reportDir },
      () => interrupted,
      (run) => (current = run)
    )
    return code
  } finally {
    stopSignals()
    if (code === 0 && !options.report) {
      rmSync(reportDir, { recursive: true, force: true })
    } else {
      process.stderr.write(`${reportLocation(reportDir)}\n`)
    }
  }
}

function newTempReportDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'ordeal-demo-'))
}

/** The line that says where each version's journal and report are, naming the files. */
function reportLocation(dir: string): string {
  const files = readdirSync(dir).sort()
  return files.length
    ? `journal and report of each run: ${dir} (${files.join(', ')})`
    : `no run got far enough to write a journal (${dir} is empty)`
}

async function runBoth(
  name: string,
  set: Record<string, string>,
  options: DemoOptions & { report: string },
  isInterrupted: () => boolean,
  setCurrent: (run: RunHandle | undefined) => void
): Promise<number> {
  const results: Partial<Record<'v1' | 'v2', RunResult>> = {}
  const timings: Partial<Record<'v1' | 'v2', number>> = {}
  for (const version of ['v1', 'v2'] as const) {
    const file = path.join(kExamples, name, `${version}.yaml`)
    const experiment = await loadExperimentFile(file, { set })
    if (isInterrupted()) {
      return 130
    }
    process.stdout.write(`\n=== ${version}: ${experiment.description ?? experiment.name}\n`)
    const reporter = new TerminalReporter({
      stream: process.stdout,
      live: Boolean(process.stdout.isTTY) && options.progress !== false,
    })
    const journalFile = path.join(options.report, `${version}.journal.ndjson`)
    const started = Date.now()
    const run = startRun(experiment, {
      onEvent: reporter.onEvent,
      ...(options.verbose ? { onLog: reporter.onLog } : {}),
      journalFile,
    })
    setCurrent(run)
    results[version] = await run.result
    setCurrent(undefined)
    timings[version] = Date.now() - started
    writeFileSync(
      path.join(options.report, `${version}.result.json`),
      `${JSON.stringify(results[version], null, 2)}\n`
    )
    await writeJunit(path.join(options.report, `${version}.junit.xml`), results[version]!)
    // The services' own output (the relay's retries, a node's boot) explains what the journal
    // only shows the effect of: beside the journal, not only in the state dir's run dir.
    copyIfExists(
      path.join(run.runDir, 'services.log'),
      path.join(options.report, `${version}.services.log`)
    )
    if (results[version]!.verdict === 'interrupted') {
      process.stdout.write('\ninterrupted: v2 not run\n')
      return 130
    }
  }
  const table = formatDemoTable(results.v1!, results.v2!, timings.v1!, timings.v2!)
  process.stdout.write(`\n${table}\n`)
  writeFileSync(path.join(options.report, 'summary.txt'), `${table}\n`)
  if (options.json) {
    writeFileSync(options.json, `${JSON.stringify({ v1: results.v1, v2: results.v2 }, null, 2)}\n`)
  }
  // The demo succeeds when it shows what it is meant to show: v1 disproved, v2 held.
  const shown = results.v1!.verdict === 'fail' && results.v2!.verdict === 'pass'
  if (!shown) {
    process.stderr.write(
      `the demo did not reproduce: v1 ${results.v1!.verdict}, v2 ${results.v2!.verdict}\n`
    )
  }
  return shown ? 0 : 1
}

function copyIfExists(from: string, to: string): void {
  if (existsSync(from)) {
    copyFileSync(from, to)
  }
}

function ensureDir(dir: string): string {
  try {
    mkdirSync(dir, { recursive: true })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error)
    throw new UsageError(`ordeal demo: --report ${dir}: cannot create it (${code})`)
  }
  return dir
}
