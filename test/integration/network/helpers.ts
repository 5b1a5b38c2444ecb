/**
 * Real hosts for network tests: a LocalNetwork in a temporary state dir, a listener process in
 * each namespace (TCP on 7000 and 7002, UDP on 7001 counting datagrams), and probes that run
 * inside a namespace with `ip netns exec`. Nothing is mocked.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { Ledger } from '../../../src/safety/ledger.js'
import type { Experiment } from '../../../src/experiment/model.js'
import type { FaultInput } from '../../../src/experiment/schema.js'
import type { FaultContext, Injection } from '../../../src/faults/contract.js'
import { faultDriver } from '../../../src/faults/registry.js'
import { LocalNetwork } from '../../../src/platforms/local/network/local-network.js'
import { ordealNetworkObjects } from '../../../src/platforms/local/network/stray.js'
import type { HostPlan, Topology } from '../../../src/platforms/local/network/topology.js'
import { runArgv } from '../../../src/safety/exec.js'

export const LISTENER = `
const net = require('node:net'), dgram = require('node:dgram')
let bytes = 0
for (const port of [7000, 7002]) net.createServer((s) => s.on('data', (d) => (bytes += d.length)).on('error', () => {})).listen(port, '0.0.0.0')
let udp = 0
dgram.createSocket('udp4').on('message', () => udp++).bind(7001, '0.0.0.0')
process.stdin.on('data', () => process.stdout.write(JSON.stringify({ udp, bytes }) + '\\n'))
setTimeout(() => console.log('ready'), 50)
`

export class NetworkFixture {
  readonly runId = `nettest-${process.pid}-${Date.now().toString(36)}`
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-net-'))
  readonly ledger = new Ledger(this.runId, this.dir)
  readonly network: LocalNetwork
  readonly listeners = new Map<string, ChildProcess>()
  #lines = new Map<string, string[]>()

  constructor(networks: string[], hosts: Record<string, string[]>) {
    this.network = new LocalNetwork(
      {
        services: [],
        attach: [],
        networks: networks.map((name) => ({ name })),
        hosts: Object.entries(hosts).map(([name, nets]) => ({ name, networks: nets })),
      },
      { runId: this.runId, ledger: this.ledger, deadline: Date.now() + 600_000 }
    )
  }

  get topology(): Topology {
    return this.network.topology!
  }

  host(name: string): HostPlan {
    return this.topology.hosts.find((h) => h.name === name)!
  }

  async create(): Promise<void> {
    const experiment = {
      system: { hosts: [{ name: 'x', networks: [] }] },
      root: { kind: 'serial', children: [] },
    } as unknown as Experiment
    await this.network.create(experiment)
    await Promise.all(this.topology.hosts.map((h) => this.#listen(h)))
  }

  async #listen(host: HostPlan): Promise<void> {
    const child = spawn('ip', ['netns', 'exec', host.namespace, process.execPath, '-e', LISTENER], {
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    this.listeners.set(host.name, child)
    const lines: string[] = []
    this.#lines.set(host.name, lines)
    const rl = createInterface({ input: child.stdout! })
    await new Promise<void>((resolve) =>
      rl.on('line', (line) => (line === 'ready' ? resolve() : lines.push(line)))
    )
  }

  /** What host's listener has received so far. */
  async received(host: string): Promise<{ udp: number; bytes: number }> {
    const lines = this.#lines.get(host)!
    const before = lines.length
    this.listeners.get(host)!.stdin!.write('?\n')
    while (lines.length === before) {
      await new Promise((r) => setTimeout(r, 5))
    }
    return JSON.parse(lines.at(-1)!) as { udp: number; bytes: number }
  }

  /** Runs a node script inside a host's namespace; resolves with its stdout. */
  async inHost(host: string, script: string, args: string[] = []): Promise<string> {
    const ns = this.host(host).namespace
    const r = await runArgv(['ip', 'netns', 'exec', ns, process.execPath, '-e', script, ...args])
    return r.stdout.trim()
  }

  /** Whether `from` can open a TCP connection to `to` (by `address`, default its first). */
  async canConnect(from: string, address: string, port = 7000): Promise<boolean> {
    const script = `const s = require('node:net').connect(${port}, '${address}')
      s.setTimeout(400, () => { console.log('timeout'); process.exit(0) })
      s.on('connect', () => { console.log('ok'); process.exit(0) })
      s.on('error', (e) => { console.log(e.code); process.exit(0) })`
    return (await this.inHost(from, script)) === 'ok'
  }

  /** Injects a fault through its real driver with a real ledger. */
  async inject(params: FaultInput): Promise<Injection> {
    const controller = new AbortController()
    const ctx: FaultContext = {
      runId: this.runId,
      fault: { id: `f-${params.type}`, type: params.type, afterMs: 0, durationMs: 60_000, params },
      params,
      baseDir: this.dir,
      ledger: this.ledger,
      deadline: Date.now() + 120_000,
      selectTargets: () => Promise.resolve([]),
      supervisor: undefined as never,
      signal: controller.signal,
      recovery: () => undefined,
      action: () => {},
    }
    return faultDriver(params.type).inject(ctx as never)
  }

  /** iptables rules carrying this run's comment, in every host. */
  async ordealRules(): Promise<string[]> {
    const all = await Promise.all(
      this.topology.hosts.map(async (h) => {
        const r = await runArgv(['ip', 'netns', 'exec', h.namespace, 'iptables-save'])
        return r.stdout.split('\n').filter((l) => l.includes(`ordeal:${this.runId}`))
      })
    )
    return all.flat()
  }

  async destroy(): Promise<void> {
    for (const child of this.listeners.values()) {
      child.kill('SIGKILL')
    }
    await this.network.remove()
    rmSync(this.dir, { recursive: true, force: true })
  }

  /** Objects of this run still in the kernel (must be none after destroy). */
  leftovers(): string[] {
    const id = this.topology.netId
    return ordealNetworkObjects()
      .map((o) => o.name)
      .filter((n) => n.startsWith(`ord-${id}-`))
  }
}
