/**
 * `ordeal run ctk-experiment.json|yaml`: parse and validate (exit 2 before anything runs),
 * execute with chaoslib's semantics, print what happens, write the CTK journal when asked,
 * and map the outcome to ordeal's exit codes: 0 completed and not deviated, 1 deviated or
 * failed, 3 aborted or crashed (what chaos itself would crash on), 130 interrupted.
 * @module
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { UsageError } from '../cli/exit.js'
import { loadDynamicConfiguration } from './dynamic-configuration.js'
import { executeExperiment } from './executor.js'
import { ctkJournal, writeCtkJournal } from './journal.js'
import { ROLLBACK_STRATEGIES, type CtkOutcome, type RollbackStrategy } from './model.js'
import { parseCtkFile, parseCtkText } from './parse.js'
import { ctkPlanLines } from './plan.js'
import { isCtkExperiment } from './recognise.js'
import { substitute } from './substitute.js'
import { CtkCrash } from './tolerance.js'

export interface CtkRunOptions {
  rollbackStrategy?: string
  /** Where the CTK journal goes (`--journal`); default ./journal.json as chaos writes it. */
  journal?: string
  journalFormat?: string
  /** `--dry-run`: print what would run (plan.ts) and exit 0. */
  dryRun?: boolean
  out?: NodeJS.WritableStream
}

/** Does FILE hold a Chaos Toolkit experiment? Unreadable or invalid: no (ordeal's loader says why). */
export async function isCtkFile(file: string): Promise<boolean> {
  if (!['.json', '.yaml', '.yml'].includes(path.extname(file).toLowerCase())) {
    return false
  }
  try {
    return isCtkExperiment(parseCtkText(await readFile(file, 'utf8'), file).data)
  } catch {
    return false
  }
}

export function checkRollbackStrategy(value: string | undefined): RollbackStrategy | undefined {
  if (value === undefined) {
    return undefined
  }
  if (!ROLLBACK_STRATEGIES.includes(value as RollbackStrategy)) {
    throw new UsageError(
      `ordeal run: --rollback-strategy '${value}' is not one of ${ROLLBACK_STRATEGIES.join(', ')}`
    )
  }
  return value as RollbackStrategy
}

export async function runCtkCommand(file: string, options: CtkRunOptions): Promise<number> {
  const out = options.out ?? process.stdout
  const rollbackStrategy = checkRollbackStrategy(options.rollbackStrategy)
  const journalFile =
    options.journalFormat === 'chaostoolkit' || options.journal
      ? path.resolve(options.journal ?? 'journal.json')
      : undefined
  const parsed = await parseCtkFile(file)
  const { experiment } = parsed
  if (options.dryRun) {
    out.write(`${ctkPlanLines(experiment, parsed.values, rollbackStrategy).join('\n')}\n`)
    return 0
  }
  for (const warning of experiment.warnings) {
    process.stderr.write(`warning: ${warning}\n`)
  }
  const log = (line: string): void => {
    out.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`)
  }
  const values = await loadDynamicConfiguration(parsed.values, {
    signal: new AbortController().signal,
    log,
  })
  const title = String(substitute(experiment.title, values))
  log(`Running Chaos Toolkit experiment: ${title}`)
  // The first signal interrupts the method (rollbacks then play by strategy), a signal during
  // the rollbacks skips the remaining ones, as chaos does; one more ends ordeal at once.
  const method = new AbortController()
  const rollbacks = new AbortController()
  let phase: 'method' | 'rollbacks' = 'method'
  let last = 0
  const onSignal = (sig: NodeJS.Signals): void => {
    // npm forwards a second SIGINT of its own right after the first (as in cli/signals.ts).
    const now = Date.now()
    if (now - last < 1000) {
      return
    }
    last = now
    const current = phase === 'method' ? method : rollbacks
    if (current.signal.aborted) {
      // Without our handler the signal's default applies.
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      process.kill(process.pid, sig)
      return
    }
    log(`${sig} received: interrupting the ${phase} (again to exit at once)`)
    current.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  let outcome: CtkOutcome
  try {
    outcome = await executeExperiment(experiment, {
      values,
      ...(rollbackStrategy ? { rollbackStrategy } : {}),
      signal: method.signal,
      rollbackSignal: rollbacks.signal,
      onRollbacks: () => {
        phase = 'rollbacks'
      },
      log,
    })
  } catch (error) {
    if (error instanceof CtkCrash) {
      // chaos itself crashes here (a Python TypeError) and writes no journal; so does ordeal.
      process.stderr.write(`ordeal: ${file}: ${error.message}\n`)
      return 3
    }
    throw error
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  log(`Experiment ended with status: ${outcome.deviated ? 'deviated' : outcome.status}`)
  if (outcome.status === 'completed' && outcome.steadyStates.before?.steady_state_met === false) {
    log('the steady state was not met before the method: the hypothesis did not hold (exit 1)')
  }
  log(
    `rollbacks: ${outcome.rollbacks.length === 0 ? 'none played' : outcome.rollbacks.map((r) => `${r.activity.name} ${r.status ?? 'aborted'}`).join(', ')}`
  )
  if (journalFile) {
    await writeCtkJournal(journalFile, ctkJournal(experiment, outcome, title))
    log(`journal: ${journalFile}`)
  }
  return exitCode(outcome)
}

/**
 * ordeal's verdict for a CTK outcome (the reference's §12): as chaos's exit code, except that a
 * steady state not met before the method (chaos: "completed", exit 0, the method skipped) is a
 * failure, exit 1: the hypothesis did not hold, and a CI job must not pass on it.
 */
export function exitCode(
  outcome: Pick<CtkOutcome, 'status' | 'deviated'> & {
    steadyStates?: Pick<CtkOutcome['steadyStates'], 'before'>
  }
): number {
  switch (outcome.status) {
    case 'completed':
      return outcome.deviated || outcome.steadyStates?.before?.steady_state_met === false ? 1 : 0
    case 'failed':
      return 1
    case 'aborted':
      return 3
    case 'interrupted':
      return 130
  }
}

/** Flags that belong to one kind of experiment only: exit 2 when given to the other. */
export function checkCtkFlags(
  ctk: boolean,
  options: {
    rollbackStrategy?: string
    journalFormat?: string
    dryRun?: boolean
    json?: string
    junit?: string
    report?: string
    server?: string
    agent?: string[]
    agentLabel?: Record<string, string>
    seed?: string
  }
): void {
  if (options.journalFormat !== undefined && options.journalFormat !== 'chaostoolkit') {
    throw new UsageError(
      `ordeal run: --journal-format '${options.journalFormat}': the one format is chaostoolkit`
    )
  }
  if (!ctk) {
    const flag = options.rollbackStrategy
      ? '--rollback-strategy'
      : options.journalFormat
        ? '--journal-format'
        : undefined
    if (flag) {
      throw new UsageError(
        `ordeal run: ${flag} is for Chaos Toolkit experiments; an ordeal manifest rolls back every fault`
      )
    }
    return
  }
  checkRollbackStrategy(options.rollbackStrategy)
  const other = Object.entries({
    '--json': options.json,
    '--junit': options.junit,
    '--report': options.report,
    '--server': options.server,
    '--agent': options.agent?.length ? options.agent : undefined,
    '--agent-label':
      options.agentLabel && Object.keys(options.agentLabel).length ? options.agentLabel : undefined,
    '--seed': options.seed,
  }).find(([, v]) => v !== undefined)
  if (other) {
    throw new UsageError(
      `ordeal run: ${other[0]} is not available for a Chaos Toolkit experiment yet (convert it with ordeal convert)`
    )
  }
}
