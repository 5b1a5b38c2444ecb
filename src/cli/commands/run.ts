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
import { recoverCommand } from './recover.js'
import { dryRunLines } from '../../engine/dry-run.js'
import { TerminalReporter, formatSummary } from '../../report/terminal.js'
import { writeJsonResult } from '../../report/json.js'
import { writeJunit } from '../../report/junit.js'
import { installSignalHandlers } from '../signals.js'

export interface RunCommandOptions {
  dryRun?: boolean
  json?: string
  junit?: string
  journal?: string
  verbose?: boolean
  progress?: boolean
  set?: Record<string, string>
}

export async function runCommand(file: string, options: RunCommandOptions): Promise<number> {
  const experiment = await loadExperimentFile(file, { set: options.set ?? {} })
  if (options.dryRun) {
    process.stdout.write(`${(await dryRunLines(experiment)).join('\n')}\n`)
    return 0
  }
  await offerRecover()
  const reporter = new TerminalReporter({
    stream: process.stdout,
    live: Boolean(process.stdout.isTTY) && options.progress !== false,
  })
  const run = startRun(experiment, {
    ...(options.journal ? { journalFile: options.journal } : {}),
    onEvent: reporter.onEvent,
    ...(options.verbose ? { onLog: reporter.onLog } : {}),
  })
  const stopSignals = installSignalHandlers(run)
  try {
    const result = await run.result
    process.stdout.write(formatSummary(result))
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
