/**
 * `ordeal run FILE`: load, then either print the dry-run plan or run with live progress,
 * write the requested reports, and map the verdict to the exit code.
 * @module
 */
import { isModuleFile, loadAnyExperimentFile } from '../../experiment/module-load.js'
import { startRun } from '../../engine/runner.js'
import { EXIT_CODES } from '../../engine/result.js'
import { findLeftovers } from '../../engine/leftovers.js'
import { recoverDeadRuns } from '../../engine/startup-recovery.js'
import { createInterface } from 'node:readline/promises'
import path from 'node:path'
import { recoverCommand } from './recover.js'
import { dryRunLines } from '../../engine/dry-run.js'
import { TerminalReporter, formatSummary } from '../../report/terminal.js'
import { writeInvalidManifestJson, writeJsonResult } from '../../report/json.js'
import { writeInvalidManifestJunit, writeJunit } from '../../report/junit.js'
import { ManifestError } from '../../experiment/errors.js'
import type { Experiment } from '../../experiment/model.js'
import { installSignalHandlers } from '../signals.js'
import { readFile } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { runPlacedCommand } from './run-placed.js'
import { checkAgainstCluster } from './cluster-preflight.js'
import { LABEL_KEY_PATTERN, LABEL_VALUE_PATTERN } from '../../platforms/agent/protocol.js'
import {
  checkPlacementAgainst,
  parseAgentFlags,
  partsPlanLines,
  type AgentFlags,
} from '../placed/parts.js'
import { UsageError } from '../exit.js'
import { ReportCollector } from '../../report/html/collect.js'
import { checkReportDir, writeReport } from './report-flag.js'
import { checkOutputPaths } from '../output-paths.js'
import { RecordClient, RecordSetupError } from '../../server/client/record-client.js'
import type { RunSummary } from '../../shared/api.js'
import { MAX_SEED, parseSeed } from '../../engine/timing-draw.js'

export interface RunCommandOptions {
  dryRun?: boolean
  json?: string
  junit?: string
  journal?: string
  /** `--report DIR`: DIR/report.html, the self-contained HTML report. */
  report?: string
  verbose?: boolean
  progress?: boolean
  set?: Record<string, string>
  /** Record the run on a Chaos Center (`--server`, or ORDEAL_SERVER). */
  server?: string
  token?: string
  /** `--update-experiment`: the run's manifest becomes the experiment's current version. */
  updateExperiment?: boolean
  /** Commands see ordeal's whole environment instead of the allowlist (`--inherit-env`). */
  inheritEnv?: boolean
  /** `--token-file`: the token in a file (kept out of `ps` and shell history). */
  tokenFile?: string
  /**
   * `--agent NAME`: run on that agent, placed through the Chaos Center of `--server`; or, for a
   * multi-host experiment, `--agent L=NAME` once per logical agent (repeatable).
   */
  agent?: string[]
  /** `--agent-label k=v` (repeatable): run on any connected agent carrying every label. */
  agentLabel?: Record<string, string>
  /** How long a placed run may wait for its agent (`--queue-timeout 10m`). */
  queueTimeout?: string
  /** How long the agent runs on without the server before rolling back (`--lease 30s`). */
  lease?: string
  /** `--kubeconfig FILE`: the cluster of `spec.system.kubernetes`, over the manifest's own. */
  kubeconfig?: string
  /** `--context NAME`: the kubeconfig context, over the manifest's. */
  context?: string
  /** `--seed N`: the seed of randomised fault timing (engine/timing-draw.ts). */
  seed?: string
}

export async function runCommand(file: string, options: RunCommandOptions): Promise<number> {
  checkOutputPaths('run', {
    '--json': options.json,
    '--junit': options.junit,
    '--journal': options.journal,
  })
  if (options.report && !options.dryRun) {
    checkReportDir(options.report)
  }
  const seed = seedFlag(options)
  // A dry run prints the plan here and sends nothing, wherever the run would go.
  const placed = options.dryRun ? undefined : placement(options)
  // A TypeScript experiment runs here: its code (script steps) cannot be sent elsewhere yet.
  const server = options.server ?? process.env['ORDEAL_SERVER']
  if (isModuleFile(file) && !options.dryRun && (placed || server)) {
    throw new UsageError(
      `ordeal run: ${file} is a TypeScript/JavaScript experiment: it runs on this machine only (no --server, --agent)`
    )
  }
  const experiment = await loadOrReport(file, options, placed === undefined)
  if (options.dryRun) {
    // A multi-host manifest too: the plan is the whole experiment's, whoever runs its parts.
    const plan = [
      ...partsPlanLines(experiment),
      ...(await dryRunLines(experiment, {
        ...clusterFlags(options),
        ...(seed === undefined ? {} : { seed }),
      })),
    ]
    process.stdout.write(`${plan.join('\n')}\n`)
    return 0
  }
  checkPlacementAgainst(
    file,
    (experiment.system.agents ?? []).map((a) => a.name),
    placed
  )
  if (placed) {
    return runPlacedCommand(file, {
      ...placed,
      experiment: { name: experiment.name, hypothesis: experiment.hypothesis },
      ...(options.queueTimeout ? { queueTimeout: options.queueTimeout } : {}),
      ...(options.lease ? { lease: options.lease } : {}),
      set: options.set ?? {},
      ...(options.json ? { json: options.json } : {}),
      ...(options.junit ? { junit: options.junit } : {}),
      ...(options.journal ? { journal: options.journal } : {}),
      ...(options.report ? { report: options.report } : {}),
      ...(options.verbose ? { verbose: true } : {}),
      ...(options.progress === false ? { progress: false } : {}),
    })
  }
  const recorder = await connectRecorder(options)
  // What dead runs of this state directory left is undone before this run acts (issue 12 §3).
  await recoverDeadRuns({
    by: 'ordeal run start-up',
    log: (line) => process.stderr.write(`${line}\n`),
  })
  await offerRecover()
  const reporter = new TerminalReporter({
    stream: process.stdout,
    live: Boolean(process.stdout.isTTY) && options.progress !== false,
  })
  const collector = options.report ? new ReportCollector() : undefined
  const run = startRun(experiment, {
    ...(options.journal ? { journalFile: options.journal } : {}),
    onEvent: (event) => {
      reporter.onEvent(event)
      recorder?.push(event)
      collector?.add(event)
    },
    ...(options.verbose ? { onLog: reporter.onLog } : {}),
    // Your terminal, your user; but the same scrubbed environment as on a Chaos Center, so an
    // experiment behaves alike in both places and reads only what its manifest passes.
    exec: { env: options.inheritEnv ? 'inherit' : 'scrubbed' },
    ...clusterFlags(options),
    ...(seed === undefined ? {} : { seed }),
    // spec.capture's pcap files go beside the HTML report, which links them as capture/<host>.pcap.
    ...(options.report ? { captureDir: path.resolve(options.report, 'capture') } : {}),
  })
  recorder?.begin(run.runId, await readFile(file, 'utf8'), path.resolve(file))
  const stopSignals = installSignalHandlers(run)
  try {
    const result = await run.result
    process.stdout.write(formatSummary(result))
    const recorded = recorder && (await recorder.finish())
    if (recorder && recorded) {
      process.stdout.write(`recorded: ${recorder.url}\n`)
      await noteVersion(recorder, recorded)
    }
    if (options.json) {
      await writeJsonResult(options.json, result)
    }
    if (options.junit) {
      await writeJunit(options.junit, result)
    }
    if (options.report && collector) {
      await writeReport(options.report, collector, result)
    }
    return EXIT_CODES[result.verdict]
  } finally {
    stopSignals()
  }
}

/** `--seed N`, checked before anything is read: a whole number, else exit 2. */
function seedFlag(options: RunCommandOptions): number | undefined {
  if (options.seed === undefined) {
    return undefined
  }
  const seed = parseSeed(options.seed)
  if (seed === undefined) {
    throw new UsageError(
      `ordeal run: --seed '${options.seed}' must be a whole number from 0 to ${MAX_SEED} (the seed a run printed)`
    )
  }
  return seed
}

/** `--kubeconfig` / `--context`, as run options (absolute path: the run may change its cwd). */
function clusterFlags(options: RunCommandOptions): { kubeconfig?: string; kubeContext?: string } {
  return {
    ...(options.kubeconfig ? { kubeconfig: path.resolve(options.kubeconfig) } : {}),
    ...(options.context ? { kubeContext: options.context } : {}),
  }
}

/**
 * `--agent` / `--agent-label`: where the run goes and how to reach the Chaos Center, checked
 * before the manifest is even read (design §9); undefined for a run on this machine.
 */
function placement(
  options: RunCommandOptions
):
  | ({ server: string; token: string } & (AgentFlags | { labels: Record<string, string> }))
  | undefined {
  const labels = options.agentLabel ?? {}
  const byLabel = Object.keys(labels).length > 0
  const agent = parseAgentFlags(options.agent ?? [])
  if (!agent && !byLabel) {
    const flag = options.queueTimeout ? '--queue-timeout' : options.lease ? '--lease' : undefined
    if (flag) {
      throw new UsageError(
        `ordeal run: ${flag} is for a run placed on an agent (--agent or --agent-label)`
      )
    }
    return undefined
  }
  if (options.seed !== undefined) {
    // The Chaos Center's placement does not carry a seed yet: the agent picks one, and the
    // run's result and journal record it (result.seed).
    throw new UsageError(
      'ordeal run: --seed is for a run on this machine; a run placed on an agent picks its seed there and records it in its result'
    )
  }
  if (agent && byLabel) {
    throw new UsageError('ordeal run: give --agent or --agent-label, not both')
  }
  if (options.kubeconfig || options.context) {
    throw new UsageError(
      `ordeal run: ${options.kubeconfig ? '--kubeconfig' : '--context'} is for a run on this machine; a run placed on an agent uses the agent's cluster (ordeal agent --kubeconfig)`
    )
  }
  for (const [key, value] of Object.entries(labels)) {
    if (!LABEL_KEY_PATTERN.test(key) || !LABEL_VALUE_PATTERN.test(value)) {
      throw new UsageError(
        `ordeal run: --agent-label '${key}=${value}' is not a label (key: a-z 0-9 . _ / -, value: A-Z a-z 0-9 . _ -)`
      )
    }
  }
  const server = options.server ?? process.env['ORDEAL_SERVER']
  if (!server) {
    throw new UsageError(
      'ordeal run: --agent and --agent-label place the run through a Chaos Center: add --server URL'
    )
  }
  if (options.updateExperiment) {
    throw new UsageError(
      'ordeal run: --update-experiment is for recorded runs; a placed run versions the experiment by its manifest'
    )
  }
  const token = resolveToken(options)
  if (!token) {
    throw new UsageError(
      'ordeal run: --server needs a token (--token, --token-file or ORDEAL_TOKEN)'
    )
  }
  return { server, token, ...(agent ?? { labels }) }
}

/** `--token`, else `--token-file`, else ORDEAL_TOKEN. */
function resolveToken(options: RunCommandOptions): string | undefined {
  if (options.token) {
    return options.token
  }
  if (options.tokenFile) {
    let text: string
    try {
      text = readFileSync(options.tokenFile, 'utf8')
    } catch (error) {
      throw new UsageError(
        `ordeal run: --token-file ${options.tokenFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`
      )
    }
    const token = text.trim()
    if (!token) {
      throw new UsageError(`ordeal run: --token-file ${options.tokenFile} is empty`)
    }
    return token
  }
  return process.env['ORDEAL_TOKEN']
}

/**
 * A run recorded against a version that is not the experiment's current one says so, so the
 * user knows the UI's version was left as it is and how to change that (issue 13 §5).
 */
async function noteVersion(recorder: RecordClient, run: RunSummary): Promise<void> {
  const current = await recorder.currentVersion(run.experimentId)
  if (current !== undefined && current !== run.experimentVersion) {
    process.stdout.write(
      `recorded against version ${run.experimentVersion} of ${run.experimentName}; its current ` +
        `version (${current}) is unchanged (--update-experiment makes this manifest current)\n`
    )
  }
}

/**
 * An invalid manifest is still a result for CI: `--junit` gets one failing test case naming
 * every issue and `--json` the issues, then the error goes on to exit 2 as before.
 */
/**
 * Loads the manifest; for a run on this machine, also checks its k8s probe resources and
 * workloads against the cluster (cluster-preflight.ts), so a typo is exit 2 before any fault.
 */
async function loadOrReport(
  file: string,
  options: RunCommandOptions,
  local: boolean
): Promise<Experiment> {
  try {
    const experiment = await loadAnyExperimentFile(file, { set: options.set ?? {} })
    // The cluster preflight reads the YAML's lines; a module's references are checked at run.
    if (local && !options.dryRun && !isModuleFile(file)) {
      await checkAgainstCluster(file, experiment, {
        ...clusterFlags(options),
        set: options.set ?? {},
      })
    }
    return experiment
  } catch (error) {
    if (error instanceof ManifestError && !options.dryRun) {
      await Promise.all([
        options.json ? writeInvalidManifestJson(options.json, file, error.issues) : undefined,
        options.junit ? writeInvalidManifestJunit(options.junit, file, error.issues) : undefined,
      ])
    }
    throw error
  }
}

/**
 * `--server`: the token is checked before anything starts, so a wrong one costs nothing (exit
 * 2, one line). Once the run goes, recording problems only warn.
 */
async function connectRecorder(options: RunCommandOptions): Promise<RecordClient | undefined> {
  const server = options.server ?? process.env['ORDEAL_SERVER']
  if (!server) {
    if (options.updateExperiment) {
      throw new UsageError('ordeal: --update-experiment needs --server (or ORDEAL_SERVER)')
    }
    return undefined
  }
  const token = resolveToken(options)
  if (!token) {
    throw new UsageError('ordeal: --server needs a token (--token, --token-file or ORDEAL_TOKEN)')
  }
  try {
    return await RecordClient.connect({
      server,
      token,
      ...(options.updateExperiment ? { updateExperiment: true } : {}),
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
 * Safety: a killed run's watchdog normally cleans up, and start-up recovery undoes what dead
 * runs of this state directory left; what remains (stray stress workers, network objects of
 * runs whose ledger is elsewhere or gone) is said before starting, and on a terminal offered
 * to recover now. Runs in progress are not leftovers.
 */
async function offerRecover(): Promise<void> {
  const leftovers = findLeftovers().filter((l) => l.kind !== 'live-run')
  if (leftovers.length === 0) {
    return
  }
  process.stderr.write(
    `warning: ${leftovers.length} leftover(s) from earlier runs (faults not undone, stray stress workers or network objects)\n`
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
