/**
 * One run's hosts and networks: a namespace per host (lo up, one veth per network it joins), a
 * bridge per network in the root namespace. Every object's removal is written to the ledger
 * (as a system entry) before the object exists, so the watchdog or `ordeal recover` removes it
 * if the runner dies. Nothing is routed: hosts have no default route, and the bridge's .254
 * address only lets ordeal itself (probes, readiness, load) reach the hosts.
 * @module
 */
import { randomBytes, randomInt } from 'node:crypto'
import type { Ledger, LedgerEntry } from '../../../safety/ledger.js'
import type { SystemSpec } from '../../../experiment/model.js'
import { executeUndo } from '../../../safety/undo.js'
import { pickSubnets, SUBNET_COUNT, subnetIndexOf } from './addressing.js'
import { linkDel, netnsDel } from './commands.js'
import { mustRun, runArgv } from '../../../safety/exec.js'
import { NAME_PREFIX } from './names.js'
import { claimNetId, claimPath } from './claims.js'
import { networkPreflight, type PreflightChecks } from './preflight.js'
import { planTopology, type Topology } from './topology.js'
import type { Experiment } from '../../../experiment/model.js'

/** The ledger's fault id for the system (same as the supervisor's). */
const SYSTEM = 'system'

export interface LocalNetworkOptions {
  runId: string
  ledger: Ledger
  deadline: number
  checks?: PreflightChecks
}

const active = new Map<string, LocalNetwork>()

/** The network of a run in this process, for network faults. */
export function networkOfRun(runId: string): LocalNetwork | undefined {
  return active.get(runId)
}

export class LocalNetwork {
  readonly #system: SystemSpec
  readonly #options: LocalNetworkOptions
  #topology: Topology | undefined
  #entries: LedgerEntry[] = []
  #removed: Promise<void> | undefined

  constructor(system: SystemSpec, options: LocalNetworkOptions) {
    this.#system = system
    this.#options = options
  }

  get topology(): Topology | undefined {
    return this.#topology
  }

  /**
   * Checks preconditions (root, netem) for the whole experiment, then creates the hosts.
   * Throws before creating anything when a precondition fails.
   */
  async create(experiment: Experiment): Promise<void> {
    const problem = await networkPreflight(experiment, this.#options.checks)
    if (problem) {
      throw new Error(problem)
    }
    active.set(this.#options.runId, this)
    if (this.#system.hosts.length === 0) {
      return
    }
    const topology = planTopology(
      await freeNetId(this.#options.ledger.file),
      this.#system.networks,
      this.#system.hosts,
      pickSubnets(this.#system.networks.length, await usedSubnets(), randomInt(SUBNET_COUNT))
    )
    this.#topology = topology
    const record = (argv: string[], label: string) => ({ kind: 'command' as const, argv, label })
    // Bridges first, namespaces after: the watchdog undoes newest first, namespaces (and the
    // veths in them) before bridges. Each removal is complete on its own, in any order.
    this.#entries = this.#options.ledger.recordAll(
      SYSTEM,
      [
        // The claim goes last (undo is newest first): while it exists, recovery tools of
        // other state directories know whose objects these are (claims.ts).
        {
          kind: 'remove-file' as const,
          path: claimPath(topology.netId),
          label: `release net id ${topology.netId}`,
        },
        ...topology.networks.map((n) => record(linkDel(n.bridge), `remove bridge ${n.bridge}`)),
        ...topology.hosts.flatMap((h) => [
          ...h.interfaces.map((i) => record(linkDel(i.peer), `remove veth ${i.peer}`)),
          record(netnsDel(h.namespace), `remove namespace ${h.namespace}`),
        ]),
      ],
      this.#options.deadline
    )
    const root: string[] = []
    for (const n of topology.networks) {
      root.push(`link add ${n.bridge} type bridge`, `addr add ${n.gateway}/24 dev ${n.bridge}`)
      root.push(`link set ${n.bridge} up`)
    }
    for (const h of topology.hosts) {
      root.push(`netns add ${h.namespace}`)
      for (const i of h.interfaces) {
        root.push(`link add ${i.peer} type veth peer name ${i.ifname} netns ${h.namespace}`)
        root.push(`link set ${i.peer} master ${i.bridge} up`)
      }
    }
    // `ip -batch` reads whitespace-separated tokens, not a shell: our names are [a-z0-9-].
    await mustRun(['ip', '-batch', '-'], `${root.join('\n')}\n`)
    await Promise.all(
      topology.hosts.map((h) => {
        const inner = ['link set lo up']
        for (const i of h.interfaces) {
          inner.push(`addr add ${i.address}/24 dev ${i.ifname}`, `link set ${i.ifname} up`)
        }
        return mustRun(['ip', '-n', h.namespace, '-batch', '-'], `${inner.join('\n')}\n`)
      })
    )
  }

  /** Removes every namespace, veth and bridge; idempotent. */
  remove(): Promise<void> {
    this.#removed ??= this.#remove()
    return this.#removed
  }

  async #remove(): Promise<void> {
    active.delete(this.#options.runId)
    const entries = this.#entries
    const results = await Promise.allSettled(
      [...entries].reverse().map(async (e) => {
        await executeUndo(e.undo)
        return e.id
      })
    )
    const done = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
    this.#options.ledger.markAllUndone(done)
    const failed = results.find((r) => r.status === 'rejected')
    if (failed) {
      throw (failed as PromiseRejectedResult).reason
    }
  }
}

/** 4 hex digits no existing `ord-` namespace or link uses, claimed for this run's ledger. */
async function freeNetId(ledgerFile: string): Promise<string> {
  const taken = new Set(
    [...(await listNamespaces()), ...(await listLinks())].map((n) => n.slice(4, 8))
  )
  for (;;) {
    const id = randomBytes(2).toString('hex')
    if (!taken.has(id) && claimNetId(id, ledgerFile)) {
      return id
    }
  }
}

/** /24s of 198.18.0.0/15 with an address or route on this machine (another run's, or anyone's). */
async function usedSubnets(): Promise<Set<number>> {
  const out = (await runArgv(['ip', '-4', '-o', 'route', 'show', 'table', 'all'])).stdout
  const used = new Set<number>()
  for (const match of out.matchAll(/198\.1[89]\.\d{1,3}\.\d{1,3}/g)) {
    const k = subnetIndexOf(match[0])
    if (k !== undefined) {
      used.add(k)
    }
  }
  return used
}

/** Namespaces named with ordeal's prefix. */
export async function listNamespaces(): Promise<string[]> {
  const out = (await runArgv(['ip', 'netns', 'list'])).stdout
  return out
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(NAME_PREFIX))
}

/** Links in the root namespace named with ordeal's prefix. */
export async function listLinks(): Promise<string[]> {
  const out = (await runArgv(['ip', '-o', 'link', 'show'])).stdout
  return [...out.matchAll(/^\d+: ([^:@\s]+)/gm)]
    .map((m) => m[1] ?? '')
    .filter((n) => n.startsWith(NAME_PREFIX))
}
