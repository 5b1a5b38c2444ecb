/**
 * `ordeal run FILE`: load, then either print the dry-run plan or run with live progress,
 * write the requested reports, and map the verdict to the exit code.
 * @module
 */
import { loadExperimentFile } from '../../experiment/load.js'
import { startRun } from '../../engine/runner.js'
import { EXIT_CODES } from '../../engine/result.js'
import { ledgerFiles, pendingEntries } from '../../engine/ledger.js'
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
  const leftovers = ledgerFiles().reduce((n, f) => n + pendingEntries(f).length, 0)
  if (leftovers > 0) {
    process.stderr.write(
      `warning: ${leftovers} fault(s) from earlier runs are not undone; run 'ordeal recover'\n`
    )
  }
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
