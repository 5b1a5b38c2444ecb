/**
 * `ordeal run FILE --server URL --agent NAME` (or `--agent-label k=v`): the run executes on an
 * agent, placed through the Chaos Center, and this terminal shows it as if it ran here: the
 * same live lines, the same summary, the same reports and exit code (design §4 "CLI").
 * @module
 */
import { createWriteStream, type WriteStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { packBundle, BundleError } from '../../experiment/bundle.js'
import { EXIT_CODES } from '../../engine/result.js'
import { TerminalReporter, formatSummary } from '../../report/terminal.js'
import { writeJsonResult } from '../../report/json.js'
import { writeJunit } from '../../report/junit.js'
import type { RunSummary } from '../../shared/api.js'
import { UsageError, exit } from '../exit.js'
import { CenterClient, PlacedSetupError } from '../placed/client.js'
import { CenterLost, followRun } from '../placed/follow.js'
import { pathOutside, placedVars } from '../placed/prepare.js'

export interface PlacedRunOptions {
  server: string
  token: string
  agent?: string
  labels?: Record<string, string>
  queueTimeout?: string
  lease?: string
  set: Record<string, string>
  json?: string
  junit?: string
  journal?: string
  verbose?: boolean
  progress?: boolean
}

const PREFIX = 'ordeal run: '

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
      ...(options.agent ? { agent: options.agent } : { labels: options.labels ?? {} }),
      ...(options.queueTimeout ? { queueTimeout: options.queueTimeout } : {}),
      ...(options.lease ? { lease: options.lease } : {}),
    })
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
    if (final.result) {
      process.stdout.write(formatSummary(final.result))
    } else {
      // No journal: cancelled while queued, queue timeout, or the agent refused the run.
      process.stderr.write(
        `run ${run.id} ${final.status}: ${final.reason ?? final.verdict ?? ''}\n`
      )
    }
    process.stdout.write(`recorded: ${url}\n`)
    if (final.result && options.json) {
      await writeJsonResult(options.json, final.result)
    }
    if (final.result && options.junit) {
      await writeJunit(options.junit, final.result)
    }
    if (cancelled || final.status === 'cancelled') {
      return 130
    }
    const verdict = final.result?.verdict ?? final.verdict
    return verdict ? EXIT_CODES[verdict] : 3
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
