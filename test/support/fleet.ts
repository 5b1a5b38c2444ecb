/**
 * A fleet for the remote-agent e2e tests: real hosts (network namespaces on one bridge in
 * 198.18.0.0/15, made by ordeal's own LocalNetwork with its rollback ledger), a real Chaos
 * Center listening on the bridge's gateway address, and real `ordeal agent` processes, one per
 * host, each started with `ip netns exec` in its own process group. A test can SIGKILL an
 * agent, cut a host off the server (iptables DROP inside the host) and heal it. `close()` leaves
 * nothing: no process in any host, no rule, no namespace, no bridge.
 *
 * Every kernel object's removal is in the fleet's ledger before the object exists (the cut
 * rules too), and a test process that dies without `close()` removes them on exit.
 * @module
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Ledger, type LedgerEntry } from '../../src/safety/ledger.js'
import { executeUndo } from '../../src/safety/undo.js'
import type { Experiment } from '../../src/experiment/model.js'
import { LocalNetwork } from '../../src/platforms/local/network/local-network.js'
import { mustRun, runArgv, type CommandResult } from '../../src/safety/exec.js'
import type { Topology } from '../../src/platforms/local/network/topology.js'
import type { AgentInfo } from '../../src/shared/api.js'
import { apiFetch, startChaosCenter, type ChaosCenter } from './chaos-center.js'
import { spawnInHost, type AgentProcess } from './agent-process.js'
import { runCli } from './cli.js'
import { freePort } from './free-port.js'

/** The fleet's timing: short enough for tests, with the design's slack (2 heartbeats + 1 s). */
export const HEARTBEAT_MS = 500
export const LEASE_MS = 4000
export const QUEUE_TIMEOUT_MS = 20_000
/** The Chaos Center flags every fleet server gets unless `serverArgs` replaces them. */
export const FLEET_SERVER_ARGS = [
  '--agent-heartbeat',
  `${HEARTBEAT_MS}ms`,
  '--agent-lease',
  `${LEASE_MS / 1000}s`,
  '--queue-timeout',
  `${QUEUE_TIMEOUT_MS / 1000}s`,
]

export interface FleetOptions {
  /** Host names (one namespace each), e.g. ['a', 'b']. */
  hosts: string[]
  /** Replaces {@link FLEET_SERVER_ARGS} (the harness's own test passes none). */
  serverArgs?: string[]
  /** More server flags after the fleet's. */
  extraServerArgs?: string[]
  env?: NodeJS.ProcessEnv
  /**
   * Serve HTTPS with a self-signed certificate for the gateway's address (`openssl req -x509`),
   * whose PEM is `fleet.caFile`. The test process must trust it itself to log in (see
   * tls-proxy.test.ts).
   */
  tls?: boolean
}

export interface AgentOptions {
  /** The agent's name (default: the host's name); its token carries it. */
  name?: string
  labels?: Record<string, string>
  /** More `ordeal agent` flags. */
  args?: string[]
  env?: NodeJS.ProcessEnv
  /** Default: a token of role agent named `name`, made offline on first use. */
  tokenFile?: string
  /** Default: `<fleet>/agents/<name>` (kept across restarts of the same name). */
  stateDir?: string
  /** Replace the whole argv after `agent` (bad-input tests). */
  rawArgs?: string[]
}

export type { AgentProcess }

export interface IssuedToken {
  id: string | undefined
  secret: string
  file: string
}

export interface Fleet {
  center: ChaosCenter
  /** The bridge's address in the root namespace, where the server listens. */
  gateway: string
  port: number
  /** `http(s)://<gateway>:<port>`, stable across server restarts. */
  serverUrl: string
  /** With `tls`: the server's self-signed certificate, for `--ca-file`. */
  caFile: string | undefined
  dir: string
  topology: Topology
  namespace(host: string): string
  address(host: string): string
  /** A token made offline with `ordeal token create`, written to a 0600 file. */
  token(
    name: string,
    role?: 'owner' | 'editor' | 'viewer' | 'agent',
    args?: string[]
  ): Promise<IssuedToken>
  /** Starts `ordeal agent` in the host and resolves once it prints `agent NAME connected`. */
  startAgent(host: string, options?: AgentOptions): Promise<AgentProcess>
  /** Starts `ordeal agent` in the host without waiting for anything. */
  spawnAgent(host: string, options?: AgentOptions): Promise<AgentProcess>
  /** Runs argv inside the host's namespace. */
  inHost(host: string, argv: string[]): Promise<CommandResult>
  /** Drops every packet between the host and the gateway (both directions). */
  cut(host: string): Promise<void>
  heal(host: string): Promise<void>
  /** `iptables-save` lines in the host that carry an ordeal run's comment (`ordeal:`). */
  ordealRules(host: string): Promise<string[]>
  /** Pids of every process inside the host's namespace (`ip netns pids`). */
  pidsIn(host: string): Promise<number[]>
  /** Whether a process in the host can reach the server's /api/health (node fetch, 2 s). */
  reachable(host: string): Promise<boolean>
  /** Every process in every host killed, every rule and namespace removed, the server stopped. */
  close(): Promise<void>
}

/** A node one-liner run in a host: prints the /api/health status or the error code. */
const HEALTH_SCRIPT = `fetch(process.argv[1], { signal: AbortSignal.timeout(2000) })
  .then((r) => console.log(r.status), (e) => console.log('error', e.cause?.code ?? e.name))`

export async function createFleet(options: FleetOptions): Promise<Fleet> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-fleet-'))
  const runId = `fleet-${process.pid}-${Date.now().toString(36)}`
  const ledger = new Ledger(runId, path.join(dir, 'ledgers'))
  const network = new LocalNetwork(
    {
      services: [],
      attach: [],
      networks: [{ name: 'fleet' }],
      hosts: options.hosts.map((name) => ({ name, networks: ['fleet'] })),
    },
    { runId, ledger, deadline: Date.now() + 3_600_000 }
  )
  const agents: AgentProcess[] = []
  // A test process that dies without close(): kill what runs in the hosts, undo the ledger.
  const onExit = () => {
    for (const host of options.hosts) {
      const ns = network.topology?.hosts.find((h) => h.name === host)?.namespace
      if (ns !== undefined) {
        const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? ''
        for (const pid of pids.split('\n').filter(Boolean)) {
          try {
            process.kill(Number(pid), 'SIGKILL')
          } catch {
            // gone
          }
        }
      }
    }
    for (const entry of ledger.pending().reverse()) {
      if (entry.undo.kind === 'command') {
        const [cmd, ...args] = entry.undo.argv
        spawnSync(cmd!, args)
      } else if (entry.undo.kind === 'remove-file') {
        rmSync(entry.undo.path, { force: true })
      }
    }
    rmSync(dir, { recursive: true, force: true })
  }
  process.once('exit', onExit)

  const experiment = {
    system: { hosts: options.hosts.map((name) => ({ name, networks: ['fleet'] })) },
    root: { kind: 'serial', children: [] },
  } as unknown as Experiment
  await network.create(experiment)
  const topology = network.topology!
  const gateway = topology.networks[0]!.gateway
  const port = await freePort()
  let center: ChaosCenter
  let caFile: string | undefined
  const tlsArgs: string[] = []
  try {
    if (options.tls) {
      caFile = path.join(dir, 'server-cert.pem')
      const keyFile = path.join(dir, 'server-key.pem')
      await mustRun([
        'openssl',
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        caFile,
        '-days',
        '1',
        '-subj',
        '/CN=ordeal-fleet',
        '-addext',
        `subjectAltName=IP:${gateway}`,
      ])
      tlsArgs.push('--tls-cert', caFile, '--tls-key', keyFile)
    }
    center = await startChaosCenter({
      args: [
        '--host',
        gateway,
        '--port',
        String(port),
        ...tlsArgs,
        ...(options.serverArgs ?? FLEET_SERVER_ARGS),
        ...(options.extraServerArgs ?? []),
      ],
      ...(options.env !== undefined ? { env: options.env } : {}),
    })
  } catch (error) {
    await network.remove()
    process.off('exit', onExit)
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  const serverUrl = `${options.tls ? 'https' : 'http'}://${gateway}:${port}`

  const hostPlan = (host: string) => {
    const plan = topology.hosts.find((h) => h.name === host)
    if (!plan) {
      throw new Error(`the fleet has no host ${host}`)
    }
    return plan
  }
  const namespace = (host: string) => hostPlan(host).namespace
  const tokens = new Map<string, IssuedToken>()
  const cuts = new Map<string, LedgerEntry[]>()

  const fleet: Fleet = {
    center,
    gateway,
    port,
    serverUrl,
    caFile,
    dir,
    topology,
    namespace,
    address: (host) => hostPlan(host).interfaces[0]!.address,

    async token(name, role = 'agent', args = []) {
      const key = `${role}:${name}:${args.join(' ')}`
      const known = tokens.get(key)
      if (known) {
        return known
      }
      const r = await runCli(
        ['token', 'create', '--data', center.dataDir, '--role', role, '--name', name, ...args],
        { timeoutMs: 60_000 }
      )
      if (r.exitCode !== 0) {
        throw new Error(`ordeal token create ${role} ${name}: exit ${r.exitCode}\n${r.stderr}`)
      }
      // The secret is alone on the last line of stdout; the token's id is named on stderr.
      const secret = r.stdout.trimEnd().split('\n').at(-1)!.trim()
      const id = /\b(tok_[A-Za-z0-9_-]+)/.exec(r.stderr)?.[1]
      const file = path.join(dir, 'tokens', `${role}-${name}-${tokens.size}.token`)
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
      writeFileSync(file, `${secret}\n`, { mode: 0o600 })
      chmodSync(file, 0o600)
      const issued = { id, secret, file }
      tokens.set(key, issued)
      return issued
    },

    async spawnAgent(host, agentOptions = {}) {
      const name = agentOptions.name ?? host
      const stateDir = agentOptions.stateDir ?? path.join(dir, 'agents', name)
      mkdirSync(path.dirname(stateDir), { recursive: true, mode: 0o700 })
      const tokenFile = agentOptions.tokenFile ?? (await fleet.token(name)).file
      const argv = agentOptions.rawArgs ?? [
        '--server',
        serverUrl,
        '--token-file',
        tokenFile,
        '--state-dir',
        stateDir,
        '--name',
        name,
        ...Object.entries(agentOptions.labels ?? {}).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
        ...(agentOptions.args ?? []),
      ]
      const agent = spawnInHost(namespace(host), host, name, stateDir, argv, {
        logFile: path.join(dir, `agent-${name}-${agents.length}.log`),
        env: {
          ...process.env,
          // A test process may trust its own server's certificate blindly; the agent under
          // test never inherits that: it checks certificates as it would anywhere.
          NODE_TLS_REJECT_UNAUTHORIZED: undefined,
          NO_COLOR: '1',
          ...options.env,
          ...agentOptions.env,
        },
      })
      agents.push(agent)
      return agent
    },

    async startAgent(host, agentOptions = {}) {
      const agent = await fleet.spawnAgent(host, agentOptions)
      try {
        await agent.waitFor(new RegExp(`^agent ${agent.name} connected`, 'm'), 30_000)
      } catch (error) {
        await agent.stop('SIGKILL')
        throw error
      }
      return agent
    },

    inHost: (host, argv) => runArgv(['ip', 'netns', 'exec', namespace(host), ...argv]),

    async cut(host) {
      if (cuts.has(host)) {
        throw new Error(`host ${host} is already cut`)
      }
      const ns = namespace(host)
      const rule = (chain: 'INPUT' | 'OUTPUT') => [
        chain,
        chain === 'INPUT' ? '-s' : '-d',
        gateway,
        '-m',
        'comment',
        '--comment',
        `fleet-cut:${runId}`,
        '-j',
        'DROP',
      ]
      const iptables = (...args: string[]) => ['ip', 'netns', 'exec', ns, 'iptables', '-w', ...args]
      // The removals first (safety invariant 1, for the harness too), then the rules.
      const entries = ledger.recordAll(
        'cut',
        (['INPUT', 'OUTPUT'] as const).map((chain) => ({
          kind: 'command' as const,
          argv: iptables('-D', ...rule(chain)),
          label: `heal ${host} (${chain})`,
        })),
        Date.now() + 3_600_000
      )
      cuts.set(host, entries)
      for (const chain of ['INPUT', 'OUTPUT'] as const) {
        const r = await runArgv(iptables('-I', ...rule(chain)))
        if (r.code !== 0) {
          throw new Error(`cutting ${host}: ${r.stderr.trim()}`)
        }
      }
    },

    async heal(host) {
      const entries = cuts.get(host)
      if (!entries) {
        throw new Error(`host ${host} is not cut`)
      }
      for (const entry of entries) {
        await executeUndo(entry.undo)
      }
      ledger.markAllUndone(entries.map((e) => e.id))
      cuts.delete(host)
    },

    async ordealRules(host) {
      const r = await fleet.inHost(host, ['iptables-save'])
      return r.stdout.split('\n').filter((line) => line.includes('ordeal:'))
    },

    async pidsIn(host) {
      const r = await runArgv(['ip', 'netns', 'pids', namespace(host)])
      return r.stdout
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map(Number)
    },

    async reachable(host) {
      const r = await fleet.inHost(host, [
        process.execPath,
        '-e',
        HEALTH_SCRIPT,
        `${serverUrl}/api/health`,
      ])
      return r.stdout.trim() === '200'
    },

    async close() {
      const errors: unknown[] = []
      // Agents first (graceful: they roll their runs back), then whatever else is in a host.
      await Promise.all(agents.map((a) => a.stop().catch((e: unknown) => errors.push(e))))
      for (const host of options.hosts) {
        await killAllIn(fleet, host)
      }
      for (const host of [...cuts.keys()]) {
        await fleet.heal(host).catch((e: unknown) => errors.push(e))
      }
      await center.dispose().catch((e: unknown) => errors.push(e))
      await network.remove().catch((e: unknown) => errors.push(e))
      process.off('exit', onExit)
      rmSync(dir, { recursive: true, force: true })
      if (errors.length > 0) {
        throw errors[0]
      }
    },
  }
  return fleet
}

/** SIGKILLs every process in the host's namespace until none is left (10 s at most). */
async function killAllIn(fleet: Fleet, host: string): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const pids = await fleet.pidsIn(host)
    if (pids.length === 0) {
      return
    }
    if (Date.now() > deadline) {
      throw new Error(`processes left in host ${host}: ${pids.join(', ')}`)
    }
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // gone
      }
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** `GET /api/agents` as the owner: the agent's row, or undefined. */
export async function agentRow(fleet: Fleet, name: string): Promise<AgentInfo | undefined> {
  const r = await apiFetch<AgentInfo[]>(fleet.serverUrl, '/api/agents', {
    token: fleet.center.ownerToken,
  })
  if (r.status !== 200) {
    throw new Error(`GET /api/agents: ${r.status} ${r.text}`)
  }
  return r.json.find((a) => a.name === name)
}
