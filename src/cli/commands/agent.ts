/**
 * `ordeal agent`: runs the experiments a Chaos Center places on this machine (issue 14). It
 * dials out (works behind NAT), heartbeats, executes each run with the same engine, ledger and
 * watchdog as `ordeal run`, and sends the journal back from disk, so nothing is lost across a
 * disconnect. stdout: one line per ready connection; logs on stderr with ISO times.
 * Exit 0 after SIGINT/SIGTERM (runs rolled back first), 2 for what the operator must fix
 * (design §9), 3 when the state dir is locked or not writable, 130 on a second signal.
 * @module
 */
import { readFileSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { EXIT_USAGE, exit } from '../exit.js'
import { resolveRunAs } from '../run-as.js'
import {
  prewarmRunProcess,
  disposeSpareRunProcess,
} from '../../platforms/local/run-process/child.js'
import { recoverDeadRuns } from '../../engine/startup-recovery.js'
import type { ExecPolicy } from '../../platforms/local/exec-policy.js'
import {
  AGENT_NAME_PATTERN,
  LABEL_KEY_PATTERN,
  LABEL_VALUE_PATTERN,
} from '../../platforms/agent/protocol.js'
import { parseServerUrl } from '../../platforms/agent/connect-url.js'
import { AgentState, defaultStateDir, lockStateDir } from '../../platforms/agent/state.js'
import { Executor } from '../../platforms/agent/executor.js'
import { agentCluster } from './agent-cluster.js'
import { agentWatch } from './agent-watch.js'
import { ownNamespace } from '../../platforms/kubernetes/own-namespace.js'
import { WORKLOAD_WATCH_FEATURE } from '../../platforms/agent/protocol.js'
import type { WorkloadWatch } from '../../platforms/agent/workload-watch/index.js'
import { AgentClient } from '../../platforms/agent/client.js'

export interface AgentCommandOptions {
  server?: string
  tokenFile?: string
  name?: string
  label?: string[]
  stateDir?: string
  caFile?: string
  maxRuns?: string
  runAs?: string
  allowServiceUser?: string[]
  allowHostNetwork?: boolean
  /** The cluster of runs' `spec.system.kubernetes` (a manifest may not name a kubeconfig). */
  kubeconfig?: string
  context?: string
  /** Namespaces of the default deny list its runs may touch all the same. */
  allowNamespace?: string[]
  /** Watch annotated workloads and report their deploys (issue 16 §3). */
  watchWorkloads?: boolean
  /** Only these namespaces (default: the whole cluster minus the deny list). */
  watchNamespace?: string[]
}

const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string }

/** The checked flags, or the one-line reason they are not usable. */
interface AgentConfig {
  server: URL
  serverText: string
  token: string
  name?: string
  labels: Record<string, string>
  stateDir: string
  ca?: string
  maxRuns: number
}

export async function agentCommand(options: AgentCommandOptions): Promise<number> {
  const fail = (line: string) => process.stderr.write(`ordeal agent: ${line}\n`)
  const config = checkFlags(options, (line) => process.stderr.write(`${line}\n`))
  if (typeof config === 'string') {
    fail(config)
    return EXIT_USAGE
  }
  const cluster = agentCluster(options, process.env)
  if (typeof cluster === 'string') {
    fail(cluster)
    return EXIT_USAGE
  }
  const own = ownNamespace()
  const watchPlan = agentWatch(options, cluster, own)
  if (typeof watchPlan === 'string') {
    fail(watchPlan)
    return EXIT_USAGE
  }
  const runAs = resolveRunAs(options.runAs)
  if (typeof runAs === 'string') {
    fail(runAs)
    return EXIT_USAGE
  }
  const exec: ExecPolicy = {
    env: 'scrubbed',
    user: runAs,
    serviceUsers: (options.allowServiceUser ?? []).flatMap((list) =>
      list.split(',').filter((name) => name !== '')
    ),
  }
  if (
    config.server.protocol === 'http:' &&
    !isLoopback(config.server.hostname.replace(/^\[|\]$/g, ''))
  ) {
    process.stderr.write(
      `warning: --server ${config.serverText} is not TLS: the agent's token crosses the network in clear text\n`
    )
  }
  const state = new AgentState(config.stateDir)
  try {
    state.prepare()
    const holder = lockStateDir(state)
    if (holder !== undefined) {
      fail(`another agent uses --state-dir ${config.stateDir}${holder ? ` (pid ${holder})` : ''}`)
      return 3
    }
  } catch (error) {
    fail(
      `--state-dir ${config.stateDir}: ${error instanceof Error ? error.message : String(error)}`
    )
    return 3
  }
  // The runs' own state dir (ledgers, run dirs) is this one: run processes inherit it.
  process.env['ORDEAL_STATE_DIR'] = config.stateDir
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`)

  // Listen for signals first, so a Ctrl+C during start-up still ends gracefully.
  // Made once start-up is done; a signal before that only stops the start.
  const started: { client?: AgentClient } = {}
  let signalled: NodeJS.Signals | undefined
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      process.stderr.write('ordeal agent: second signal, exiting now\n')
      void exit(130)
      return
    }
    signalled = signal
    void started.client?.stop(signal)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  let send: (frame: Parameters<AgentClient['send']>[0]) => boolean = () => false
  const executor = new Executor({
    state,
    exec,
    maxRuns: config.maxRuns,
    log,
    send: (frame) => send(frame),
    allowHostNetwork: options.allowHostNetwork === true,
    cluster,
    centerAddress: () => started.client?.centerAddress,
    agentName: () => started.client?.agentName,
  })
  try {
    // Faults of runs whose run process and watchdog both died with the last agent, then the
    // runs this state dir still holds: ended in their journals, reported once connected.
    await recoverDeadRuns({
      by: 'ordeal agent (start-up recovery)',
      log,
      stateDir: config.stateDir,
    })
    await executor.adoptLeftovers()
  } catch (error) {
    fail(
      `start-up recovery in ${config.stateDir} failed: ${error instanceof Error ? error.message : String(error)}`
    )
    return 3
  }
  if (signalled) {
    return 0
  }
  prewarmRunProcess()
  let connectedOnce = false
  let watch: WorkloadWatch | undefined
  const client = new AgentClient({
    serverText: config.serverText,
    server: config.server,
    token: config.token,
    ...(config.name !== undefined ? { name: config.name } : {}),
    labels: config.labels,
    maxRuns: config.maxRuns,
    version,
    ...(config.ca !== undefined ? { ca: config.ca } : {}),
    executor,
    ...(watchPlan !== undefined ? { features: [WORKLOAD_WATCH_FEATURE] } : {}),
    onWelcome: () => watch?.flush(),
    log,
    out: (line) => {
      // Said once it is connected, so a bad token or URL still gets exactly one line.
      if (!connectedOnce) {
        connectedOnce = true
        log(
          `state ${config.stateDir}; experiments' commands run as ${runAs.name} (uid ${runAs.uid})`
        )
      }
      process.stdout.write(`${line}\n`)
    },
    fail,
  })
  started.client = client
  send = (frame) => client.send(frame)
  if (watchPlan !== undefined) {
    // client-node is loaded only by an agent that watches.
    const { startWorkloadWatch } = await import('../../platforms/agent/workload-watch/index.js')
    try {
      watch = await startWorkloadWatch({
        ...watchPlan,
        ownNamespace: own,
        log,
        send: (frame) => client.send(frame),
        serverFeatures: () => client.serverFeatures,
      })
    } catch (error) {
      fail(`--watch-workloads: ${error instanceof Error ? error.message : String(error)}`)
      return EXIT_USAGE
    }
  }
  const code = await client.run()
  watch?.close()
  disposeSpareRunProcess()
  return code
}

function checkFlags(
  options: AgentCommandOptions,
  warn: (line: string) => void
): AgentConfig | string {
  if (options.server === undefined || options.server === '') {
    return '--server URL is required (the Chaos Center, e.g. https://cc.example:7700)'
  }
  const server = parseServerUrl(options.server)
  if (typeof server === 'string') {
    return server
  }
  if (options.tokenFile === undefined || options.tokenFile === '') {
    return '--token-file FILE is required (a token of role agent: ordeal token create --role agent --name NAME)'
  }
  const token = readTokenFile(options.tokenFile, warn)
  if (token.error !== undefined) {
    return token.error
  }
  if (options.name !== undefined && !AGENT_NAME_PATTERN.test(options.name)) {
    return `--name '${options.name}' must be a-z, 0-9 and '-' (at most 63, not starting or ending with '-')`
  }
  const labels: Record<string, string> = {}
  for (const pair of options.label ?? []) {
    const eq = pair.indexOf('=')
    const key = eq < 0 ? pair : pair.slice(0, eq)
    const value = eq < 0 ? undefined : pair.slice(eq + 1)
    if (value === undefined || !LABEL_KEY_PATTERN.test(key) || !LABEL_VALUE_PATTERN.test(value)) {
      return `--label '${pair}' must be k=v (k: a-z, 0-9, '.', '_', '/', '-'; v: A-Z, a-z, 0-9, '.', '_', '-')`
    }
    labels[key] = value
  }
  const maxRuns = Number(options.maxRuns ?? '1')
  if (!/^\d+$/.test(options.maxRuns ?? '1') || maxRuns < 1 || maxRuns > 64) {
    return `--max-runs '${options.maxRuns}' must be a whole number from 1 to 64`
  }
  let ca: string | undefined
  if (options.caFile !== undefined) {
    try {
      ca = readFileSync(options.caFile, 'utf8')
    } catch (error) {
      return `--ca-file ${options.caFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
      return `--ca-file ${options.caFile} holds no PEM certificate`
    }
  }
  const stateDir = path.resolve(expandHome(options.stateDir ?? defaultStateDir()))
  return {
    server,
    serverText: options.server,
    token: token.value,
    ...(options.name !== undefined ? { name: options.name } : {}),
    labels,
    stateDir,
    ...(ca !== undefined ? { ca } : {}),
    maxRuns,
  }
}

function readTokenFile(
  file: string,
  warn: (line: string) => void
): { value: string; error?: undefined } | { error: string } {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    return {
      error: `--token-file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    }
  }
  const value = text.trim()
  if (value === '') {
    return { error: `--token-file ${file} is empty` }
  }
  if (/\s/.test(value)) {
    return { error: `--token-file ${file} must hold the token alone (one line)` }
  }
  if ((statSync(file).mode & 0o077) !== 0) {
    warn(`warning: --token-file ${file} is readable by others; chmod 600 it`)
  }
  return { value }
}

function expandHome(dir: string): string {
  return dir === '~' || dir.startsWith('~/') ? path.join(os.homedir(), dir.slice(1)) : dir
}

/** Loopback hosts, where a token in clear text does not cross a network. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}
