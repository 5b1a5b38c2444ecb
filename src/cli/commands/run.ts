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
import { exit } from '../exit.js'

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

/**
 * First Ctrl+C (or SIGTERM): abort, which reverts faults and tears the system down. A second
 * one undoes what the ledger lists and exits at once (safety invariant 4). npm forwards a
 * second SIGINT of its own right after the first, so repeats within 1 s are ignored, as
 * Playwright's sigIntWatcher does.
 */
function installSignalHandlers(run: ReturnType<typeof startRun>): () => void {
  let first = 0
  const onSignal = (signal: NodeJS.Signals) => {
    const now = Date.now()
    if (first === 0) {
      first = now
      process.stderr.write(
        `\n${signal}: rolling back faults and stopping the system (again to force)\n`
      )
      run.abort('signal', `interrupted by ${signal}`)
      return
    }
    if (now - first < 1000) {
      return
    }
    process.stderr.write(`${signal} again: undoing the ledger and exiting now\n`)
    void run.undoNow().finally(() => exit(130))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.on('SIGHUP', onSignal)
  return () => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    process.off('SIGHUP', onSignal)
  }
}
