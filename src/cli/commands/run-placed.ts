/**
 * `ordeal run FILE --server URL --agent NAME` (or `--agent-label k=v`): the run executes on an
 * agent, placed through the Chaos Center, and this terminal shows it as if it ran here: the
 * same live lines, the same summary, the same reports and exit code (design §4 "CLI").
 * @module
 */
import { createWriteStream, type WriteStream } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { packBundle, BundleError } from '../../experiment/bundle.js'
import { EXIT_CODES, type RunResult } from '../../engine/result.js'
import { TerminalReporter, formatSummary } from '../../report/terminal.js'
import { writeJsonResult } from '../../report/json.js'
import { writeJunit } from '../../report/junit.js'
import { ReportCollector } from '../../report/html/collect.js'
import { writeReport } from './report-flag.js'
import type { RunSummary } from '../../shared/api.js'
import { UsageError, exit } from '../exit.js'
import { CenterClient, PlacedSetupError } from '../placed/client.js'
import { CenterLost, followRun } from '../placed/follow.js'
import { pathOutside, placedVars } from '../placed/prepare.js'

export interface PlacedRunOptions {
  /** From the manifest as loaded here: a run that never started still gets a summary. */
  experiment: { name: string; hypothesis: string }
  server: string
  token: string
  agent?: string
  labels?: Record<string, string>
  /** A multi-host experiment: each logical agent onto a registered agent. */
  parts?: Record<string, string>
  queueTimeout?: string
  lease?: string
  set: Record<string, string>
  json?: string
  junit?: string
  journal?: string
  /** `--report DIR` (checked by runCommand before the run was placed). */
  report?: string
  verbose?: boolean
  progress?: boolean
}

const PREFIX = 'ordeal run: '

/**
 * What travelled with the run, said once the Chaos Center took it (dot-entries never do:
 * bundle.ts); a refused run gets its one error line and nothing else.
 */
export function shippingLine(
  dir: string,
  bundle: { files: number; bytes: number; skipped: number }
): string {
  const left = bundle.skipped > 0 ? ' (dot-files left out)' : ''
  return `shipped ${dir}: ${bundle.files} files, ${(bundle.bytes / 1024).toFixed(1)} KiB${left}`
}

/** The manifest has loaded locally; nothing has been sent yet. */
export async function runPlacedCommand(file: string, options: PlacedRunOptions): Promise<number> {
  const text = await readFile(file, 'utf8')
  const outside = pathOutside(text, file, options.set, process.env)
  if (outside) {
    throw new UsageError(PREFIX + outside)
  }
  const dir = path.dirname(path.resolve(file))
  let bundle: Awaited<ReturnType<typeof packBundle>>
  try {
    bundle = await packBundle(dir)
  } catch (error) {
    if (error instanceof BundleError) {
      // The line names the directory as the user wrote it.
      throw new UsageError(PREFIX + error.message.replace(dir, path.dirname(file)))
    }
    throw error
  }
  const client = new CenterClient(options.server, options.token)
  let run: RunSummary
  try {
    await client.check()
    run = await client.submit({
      yaml: text,
      vars: placedVars(text, file, options.set, process.env),
      bundle: bundle.data,
      ...(options.parts
        ? { agents: options.parts }
        : options.agent
          ? { agent: options.agent }
          : { labels: options.labels ?? {} }),
      ...(options.queueTimeout ? { queueTimeout: options.queueTimeout } : {}),
      ...(options.lease ? { lease: options.lease } : {}),
    })
    process.stderr.write(shippingLine(path.dirname(file), bundle) + '\n')
  } catch (error) {
    if (error instanceof PlacedSetupError) {
      throw new UsageError(PREFIX + error.message)
    }
    throw error
  }
  if (options.verbose) {
    process.stderr.write(`warning: service output stays on the agent (runs/${run.id}/ there)\n`)
  }
  return follow(client, run, options)
}

async function follow(
  client: CenterClient,
  run: RunSummary,
  options: PlacedRunOptions
): Promise<number> {
  const url = `${client.server}/runs/${run.id}`
  const reporter = new TerminalReporter({
    stream: process.stdout,
    live: Boolean(process.stdout.isTTY) && options.progress !== false,
  })
  const journal: WriteStream | undefined = options.journal
    ? createWriteStream(options.journal, { flags: 'w' })
    : undefined
  // The stream leaves op events out: the report counts them from the run's event total (below).
  const collector = options.report ? new ReportCollector() : undefined
  const waiting = options.queueTimeout ?? '10m'
  let reason: string | undefined
  let announced = false
  const stop = new AbortController()
  let cancelled = false
  const stopSignals = onCtrlC(
    () => {
      cancelled = true
      process.stderr.write(
        `\nSIGINT: cancelling run ${run.id} (the agent rolls back; again to leave)\n`
      )
      client.abort(run.id).catch((error: unknown) => {
        process.stderr.write(`warning: could not cancel run ${run.id}: ${String(error)}\n`)
      })
    },
    () => {
      process.stderr.write(
        `ordeal: second Ctrl+C: leaving; the agent still rolls back run ${run.id}\n`
      )
      stop.abort()
      void closeJournal(journal).finally(() => exit(130))
    }
  )
  try {
    const ended = await followRun(client, {
      runId: run.id,
      signal: stop.signal,
      onJournal: (events) => {
        for (const event of events) {
          reporter.onEvent(event)
          journal?.write(`${JSON.stringify(event)}\n`)
          collector?.add(event)
        }
      },
      onStatus: (summary) => {
        if (summary.status === 'queued') {
          const now = summary.queueReason ?? 'waiting for an agent'
          if (now !== reason) {
            reason = now
            process.stderr.write(`queued: ${now} (waiting up to ${waiting}; Ctrl+C cancels)\n`)
          }
        } else if (summary.status === 'running' && !announced && summary.agent) {
          announced = true
          process.stderr.write(`running on agent ${summary.agent}\n`)
        }
      },
    })
    await closeJournal(journal)
    const final = await client.getRun(run.id).catch(() => ({ ...ended, result: undefined }))
    if (options.journal && final.result) {
      await completeJournal(client, run.id, options.journal)
    }
    // No journal at all: cancelled while queued, queue timeout, or the agent refused the run.
    const result = final.result ?? notStarted(final, options.experiment)
    process.stdout.write(formatSummary(result))
    process.stdout.write(`recorded: ${url}\n`)
    if (options.json) {
      await writeJsonResult(options.json, result)
    }
    if (options.junit) {
      await writeJunit(options.junit, result)
    }
    if (options.report && collector) {
      // Whatever the stream did not carry is the op events (as the Chaos Center's download);
      // without the run's total (the server was lost at the end) they stay uncounted.
      if ('eventCount' in final) {
        collector.countOps(Math.max(0, final.eventCount - collector.eventCount))
      }
      await writeReport(options.report, collector, result)
    }
    if (cancelled || final.status === 'cancelled') {
      return 130
    }
    return EXIT_CODES[result.verdict]
  } catch (error) {
    await closeJournal(journal)
    if (error instanceof CenterLost) {
      process.stderr.write(
        `${PREFIX}lost the Chaos Center at ${client.server} for 60 s; the run goes on: ${url}\n`
      )
      return 3
    }
    if (error instanceof PlacedSetupError) {
      process.stderr.write(`${PREFIX}${error.message}; the run goes on: ${url}\n`)
      return 3
    }
    throw error
  } finally {
    stopSignals()
  }
}

/**
 * The stream leaves op events out (the UI only counts them); `--journal` promises every event,
 * as a local run writes it, so the file is rewritten from the stored journal once the run has
 * ended. If that fails, the streamed events stay in the file.
 */
async function completeJournal(client: CenterClient, runId: string, file: string): Promise<void> {
  try {
    const lines: string[] = []
    for await (const page of client.events(runId)) {
      for (const event of page) {
        lines.push(JSON.stringify(event))
      }
    }
    await writeFile(file, lines.length > 0 ? `${lines.join('\n')}\n` : '')
  } catch (error) {
    process.stderr.write(`warning: --journal ${file} lacks op events: ${String(error)}\n`)
  }
}

/** A run that ended without a journal, as a result: its verdict and reason, nothing measured. */
export function notStarted(
  run: RunSummary,
  experiment: { name: string; hypothesis: string }
): RunResult {
  const verdict = run.status === 'cancelled' ? 'interrupted' : (run.verdict ?? 'error')
  const endedAt = run.endedAt ?? new Date().toISOString()
  return {
    runId: run.id,
    experiment: experiment.name,
    hypothesis: experiment.hypothesis,
    verdict,
    reason: run.reason ?? `run ${run.status} before it started`,
    resilienceScore: run.score ?? 0,
    startedAt: run.startedAt ?? endedAt,
    endedAt,
    steps: [],
    probes: [],
    checks: [],
    faults: [],
    loads: [],
  }
}

function closeJournal(journal: WriteStream | undefined): Promise<void> {
  return new Promise((resolve) => (journal && !journal.closed ? journal.end(resolve) : resolve()))
}

/**
 * Two-stage Ctrl+C as for a local run (src/cli/signals.ts): the first cancels, a second one
 * more than 1 s later leaves (npm forwards a duplicate SIGINT right after the first).
 */
function onCtrlC(first: () => void, second: () => void): () => void {
  let at = 0
  const handler = () => {
    const now = Date.now()
    if (at === 0) {
      at = now
      first()
    } else if (now - at >= 1000) {
      second()
    }
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, handler)
  }
  return () => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.off(signal, handler)
    }
  }
}
