/**
 * `ordeal run FILE`: load, then either print the dry-run plan or run with live progress,
 * write the requested reports, and map the verdict to the exit code.
 * @module
 */
import { loadExperimentFile } from '../../experiment/load.js'
import { startRun } from '../../engine/runner.js'
import { EXIT_CODES } from '../../engine/result.js'
import { findLeftovers } from '../../engine/leftovers.js'
import { createInterface } from 'node:readline/promises'
import path from 'node:path'
import { recoverCommand } from './recover.js'
import { dryRunLines } from '../../engine/dry-run.js'
import { TerminalReporter, formatSummary } from '../../report/terminal.js'
import { writeJsonResult } from '../../report/json.js'
import { writeJunit } from '../../report/junit.js'
import { installSignalHandlers } from '../signals.js'
import { readFile } from 'node:fs/promises'
import { UsageError } from '../exit.js'
import { RecordClient, RecordSetupError } from '../../server/client/record-client.js'

export interface RunCommandOptions {
  dryRun?: boolean
  json?: string
  junit?: string
  journal?: string
  verbose?: boolean
  progress?: boolean
  set?: Record<string, string>
  /** Record the run on a Chaos Center (`--server`, or ORDEAL_SERVER). */
  server?: string
  token?: string
  /** Commands see ordeal's whole environment instead of the allowlist (`--inherit-env`). */
  inheritEnv?: boolean
}

export async function runCommand(file: string, options: RunCommandOptions): Promise<number> {
  const experiment = await loadExperimentFile(file, { set: options.set ?? {} })
  if (options.dryRun) {
    process.stdout.write(`${(await dryRunLines(experiment)).join('\n')}\n`)
    return 0
  }
  const recorder = await connectRecorder(options)
  await offerRecover()
  const reporter = new TerminalReporter({
    stream: process.stdout,
    live: Boolean(process.stdout.isTTY) && options.progress !== false,
  })
  const run = startRun(experiment, {
    ...(options.journal ? { journalFile: options.journal } : {}),
    onEvent: recorder
      ? (event) => {
          reporter.onEvent(event)
          recorder.push(event)
        }
      : reporter.onEvent,
    ...(options.verbose ? { onLog: reporter.onLog } : {}),
    // Your terminal, your user; but the same scrubbed environment as on a Chaos Center, so an
    // experiment behaves alike in both places and reads only what its manifest passes.
    exec: { env: options.inheritEnv ? 'inherit' : 'scrubbed' },
  })
  recorder?.begin(run.runId, await readFile(file, 'utf8'), path.resolve(file))
  const stopSignals = installSignalHandlers(run)
  try {
    const result = await run.result
    process.stdout.write(formatSummary(result))
    if (recorder && (await recorder.finish())) {
      process.stdout.write(`recorded: ${recorder.url}\n`)
    }
    if (options.json) {
      await writeJsonResult(options.json, result)
    }
    if (options.junit) {
      await writeJunit(options.junit, result)
    }
    return EXIT_CODES[result.verdict]
  } finally {
    stopSignals()
  }
}

/**
 * `--server`: the token is checked before anything starts, so a wrong one costs nothing (exit
 * 2, one line). Once the run goes, recording problems only warn.
 */
async function connectRecorder(options: RunCommandOptions): Promise<RecordClient | undefined> {
  const server = options.server ?? process.env['ORDEAL_SERVER']
  if (!server) {
    return undefined
  }
  const token = options.token ?? process.env['ORDEAL_TOKEN']
  if (!token) {
    throw new UsageError('ordeal: --server needs a token (--token or ORDEAL_TOKEN)')
  }
  try {
    return await RecordClient.connect({
      server,
      token,
      warn: (line) => process.stderr.write(`${line}\n`),
    })
  } catch (error) {
    if (error instanceof RecordSetupError) {
      throw new UsageError(`ordeal: ${error.message}`)
    }
    throw error
  }
}

/**
 * Safety: a killed run's watchdog normally cleans up, but a machine reboot or a killed watchdog
 * can leave faults behind. Say so before starting, and on a terminal offer to recover now.
 */
async function offerRecover(): Promise<void> {
  const leftovers = findLeftovers()
  if (leftovers.length === 0) {
    return
  }
  process.stderr.write(
    `warning: ${leftovers.length} leftover(s) from earlier runs (faults not undone, stray stress workers; a run still in progress also counts)\n`
  )
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    process.stderr.write("run 'ordeal recover' to undo them\n")
    return
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  const answer = await rl.question('undo them now with ordeal recover? [y/N] ')
  rl.close()
  if (/^y(es)?$/i.test(answer.trim())) {
    await recoverCommand()
  }
}
