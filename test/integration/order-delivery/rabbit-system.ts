/**
 * The order/delivery example as real processes under ordeal's LocalSupervisor, as the v1/v2
 * manifests declare them: a per-run epmd, RabbitMQ nodes started by the example's launcher,
 * and (optionally) the order and delivery services run from source with tsx.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { Journal } from '../../../src/engine/journal.js'
import type { JournalEvent } from '../../../src/engine/events.js'
import type { ServiceSpec } from '../../../src/experiment/model.js'
import { LocalSupervisor } from '../../../src/platforms/local/local-supervisor.js'
import { signalGroup } from '../../../src/platforms/local/process-group.js'
import { groupMembers } from '../../support/processes.js'
import { waitUntil } from '../../support/fault-proc.js'
import { strayBrokerProcesses } from './stray-processes.js'

const run = promisify(execFile)
export const kRepo = path.resolve(import.meta.dirname, '../../..')
export const kExample = path.join(kRepo, 'examples/order-delivery')
const kCtl = '/usr/lib/rabbitmq/bin/rabbitmqctl'

export type AppVersion = 'v1' | 'v2'

export interface SystemOptions {
  nodes: number
  app?: AppVersion
  /**
   * Make the run dir reachable by the `rabbitmq` user (mkdtemp makes it 0700), so the launcher
   * drops privileges as the Debian package would; otherwise the nodes run as root.
   */
  worldReadable?: boolean
}

export function nodeNames(nodes: number): string[] {
  return Array.from({ length: nodes }, (_, i) => `ord${i}`)
}

export function serviceSpecs(options: SystemOptions): ServiceSpec[] {
  const base = { env: {}, cwd: kExample, replicas: 1, restart: 'always' as const }
  const epmd: ServiceSpec = {
    ...base,
    name: 'epmd',
    command: 'epmd',
    args: ['-port', '{{ports.epmd}}', '-address', '127.0.0.1'],
    ports: { epmd: 0 },
    readiness: { kind: 'tcp', target: '127.0.0.1:{{ports.epmd}}', timeoutMs: 5000 },
    backoff: { initialMs: 100, maxMs: 1000 },
    gracePeriodMs: 2000,
  }
  const cluster = options.nodes > 1 ? ['--cluster', nodeNames(options.nodes).join(',')] : []
  const rabbitmq: ServiceSpec = {
    ...base,
    name: 'rabbitmq',
    command: 'bash', // as the manifests do: no reliance on the script's mode bits
    args: [
      path.join(kExample, 'rabbitmq/node.sh'),
      ...['--name', 'ord{{replica}}', '--amqp-port', '{{ports.amqp}}'],
      ...['--dist-port', '{{ports.dist}}', '--epmd-port', '{{services.epmd.ports.epmd}}'],
      ...['--data-dir', '{{dataDir}}', ...cluster],
    ],
    replicas: options.nodes,
    ports: { amqp: 0, dist: 0 },
    readiness: { kind: 'tcp', target: '127.0.0.1:{{ports.amqp}}', timeoutMs: 90_000 },
    backoff: { initialMs: 100, maxMs: 1000 },
    gracePeriodMs: 10_000,
  }
  if (!options.app) {
    return [epmd, rabbitmq]
  }
  const urls = nodeNames(options.nodes)
    .map((_, i) => `amqp://127.0.0.1:{{services.rabbitmq.replicas[${i}].ports.amqp}}`)
    .join(',')
  const app = (name: string, file: string, extra: Partial<ServiceSpec> = {}): ServiceSpec => ({
    ...base,
    name,
    command: process.execPath,
    args: ['--import', 'tsx', path.join(kExample, 'src', options.app!, file)],
    cwd: kRepo,
    env: { AMQP_URLS: urls, DATA_DIR: '{{services.order.dataDir}}' },
    ports: {},
    backoff: { initialMs: 200, maxMs: 2000 },
    gracePeriodMs: 5000,
    ...extra,
  })
  const order = app('order', 'order-service.ts', {
    env: { AMQP_URLS: urls, DATA_DIR: '{{dataDir}}', PORT: '{{ports.http}}' },
    ports: { http: 0 },
    readiness: {
      kind: 'http',
      target: 'http://127.0.0.1:{{ports.http}}/health',
      timeoutMs: 30_000,
    },
  })
  return [epmd, rabbitmq, order, app('delivery', 'delivery-service.ts')]
}

export class RabbitSystem {
  readonly journal = new Journal()
  readonly lines: string[] = []
  readonly supervisor: LocalSupervisor

  private constructor(
    readonly dir: string,
    readonly options: SystemOptions
  ) {
    this.supervisor = new LocalSupervisor({
      services: serviceSpecs(options),
      runDir: path.join(dir, 'run'),
      journal: this.journal,
      log: (line) => this.lines.push(line),
    })
  }

  static async start(options: SystemOptions): Promise<RabbitSystem> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ordeal-order-delivery-'))
    if (options.worldReadable) {
      await chmod(dir, 0o755)
    }
    const system = new RabbitSystem(dir, options)
    try {
      await system.supervisor.start()
    } catch (error) {
      await system.teardown().catch(() => undefined)
      throw new Error(`${(error as Error).message}\n${system.lines.slice(-40).join('\n')}`, {
        cause: error,
      })
    }
    return system
  }

  port(service: string, replica: number, name: string): number {
    const port = this.supervisor.replicas(service)[replica]?.ports[name]
    assert.ok(port, `${service}-${replica} has a ${name} port`)
    return port
  }

  amqpUrl(node: number): string {
    return `amqp://127.0.0.1:${this.port('rabbitmq', node, 'amqp')}`
  }

  get orderUrl(): string {
    return `http://127.0.0.1:${this.port('order', 0, 'http')}`
  }

  get dbFile(): string {
    return path.join(this.supervisor.replicas('order')[0]!.dataDir, 'orders.db')
  }

  pid(service: string, replica: number): number {
    const pid = this.supervisor.replicas(service)[replica]?.pid
    assert.ok(pid, `${service}-${replica} is running`)
    return pid
  }

  /** SIGKILLs the node's whole process group, as ordeal's process-kill fault does. */
  killNode(node: number): number {
    const pid = this.pid('rabbitmq', node)
    assert.ok(signalGroup(pid, 'SIGKILL'), `rabbitmq-${node} (pid ${pid}) was signalled`)
    return pid
  }

  /** Resolves with the `service.ready` event of the node's next generation after `oldPid`. */
  recreated(node: number, oldPid: number, ms = 60_000) {
    return this.event(
      'service.ready',
      (e) => e.service === 'rabbitmq' && e.replica === node && e.pid !== oldPid,
      ms
    )
  }

  /** Milliseconds between a replica's `service.started` and its `service.ready`. */
  bootMs(service: string, replica: number, pid: number): number {
    const at = (type: string) =>
      this.journal.events.find(
        (e) =>
          e.type === type && 'pid' in e && e.pid === pid && 'replica' in e && e.replica === replica
      )?.t
    const started = at('service.started')
    const ready = at('service.ready')
    assert.ok(
      started !== undefined && ready !== undefined,
      `${service}-${replica} started and ready`
    )
    return ready - started
  }

  /** rabbitmqctl against one node, with this run's epmd and cookie. */
  async ctl(node: number, args: string[]): Promise<string> {
    const home = path.join(this.supervisor.replicas('rabbitmq')[node]!.dataDir, 'home')
    const env = {
      ...process.env,
      HOME: home,
      ERL_EPMD_PORT: String(this.port('epmd', 0, 'epmd')),
    }
    const { stdout } = await run(kCtl, ['-q', '-n', `ord${node}@localhost`, ...args], {
      env,
      timeout: 60_000,
    })
    return stdout
  }

  /** The order and delivery services' lines about connections, for a human reading the test. */
  clientEvents(): string[] {
    return this.lines.filter(
      (line) => /^\[(order|delivery)-0\]/.test(line) && /connect|lost|confirm|drop/.test(line)
    )
  }

  event<T extends JournalEvent['type']>(
    type: T,
    match: (event: Extract<JournalEvent, { type: T }>) => boolean,
    ms: number
  ): Promise<Extract<JournalEvent, { type: T }>> {
    const test = (e: JournalEvent): e is Extract<JournalEvent, { type: T }> =>
      e.type === type && match(e as Extract<JournalEvent, { type: T }>)
    const past = this.journal.events.find(test)
    if (past) {
      return Promise.resolve(past)
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe()
        reject(new Error(`no matching ${type} within ${ms}ms\n${this.lines.slice(-30).join('\n')}`))
      }, ms)
      const unsubscribe = this.journal.subscribe((e) => {
        if (test(e)) {
          clearTimeout(timer)
          unsubscribe()
          resolve(e)
        }
      })
    })
  }

  /**
   * Stops everything, then proves nothing is left: no live process in any group ever launched,
   * no broker process (beam.smp, epmd, ...) tied to this run's dir or epmd port, and no dir.
   */
  async teardown(): Promise<void> {
    const epmdPort = this.supervisor.replicas('epmd')[0]?.ports['epmd']
    await this.supervisor.stop()
    const launched = this.supervisor.launchedPids()
    // A SIGKILLed group member stays in /proc until the kernel has torn it down, which on a
    // loaded machine can outlast stop(): give the leftovers a bounded time to go before judging.
    const leftovers = () => ({
      inGroups: groupMembers(launched),
      strays: strayBrokerProcesses(this.dir, epmdPort),
    })
    await waitUntil(
      'the launched processes to be gone',
      () => {
        const now = leftovers()
        return now.inGroups.length === 0 && now.strays.length === 0
      },
      { timeoutMs: 10_000, intervalMs: 50 }
    ).catch(() => undefined)
    const { inGroups, strays } = leftovers()
    for (const pid of launched) {
      signalGroup(pid, 'SIGKILL') // safety net, so a failed assertion leaks nothing either
    }
    await rm(this.dir, { recursive: true, force: true })
    assert.deepEqual(inGroups, [], `processes left in launched groups: ${inGroups.join(', ')}`)
    assert.deepEqual(strays, [], `broker processes left: ${strays.join('; ')}`)
    assert.equal(existsSync(this.dir), false, `${this.dir} removed`)
  }
}
