/**
 * The runner's hook: when a run has hosts and a dns-fault (host-config.ts's hasDnsFault), start
 * its resolver on every network's gateway and point each host at it, before any service starts;
 * stop both at the end. dns-fault finds the resolver of its run here.
 * @module
 */
import type { Ledger, LedgerEntry } from '../safety/ledger.js'
import { executeUndo } from '../safety/undo.js'
import type { Topology } from '../platforms/local/network/topology.js'
import { recordHostResolvConfs } from './host-config.js'
import { RunResolver, type ResolverOptions } from './resolver.js'
import { RunNames } from './run-names.js'

/** The ledger's fault id for system objects (the network's and supervisor's too). */
const SYSTEM = 'system'

const active = new Map<string, RunResolver>()

/** The resolver of a run in this process, for dns-fault. */
export function resolverOfRun(runId: string): RunResolver | undefined {
  return active.get(runId)
}

export interface RunResolverHandle {
  resolver: RunResolver
  /** Closes the resolver and removes the hosts' resolv.conf files; idempotent. */
  stop(): Promise<void>
}

export async function startRunResolver(options: {
  runId: string
  ledger: Ledger
  deadline: number
  topology: Topology | undefined
  /** Services placed on hosts (`hosts` unset: not placed, not a run name). */
  services: readonly { name: string; hosts?: readonly string[] | undefined }[]
  resolver?: ResolverOptions
  /**
   * Given: a resolver that cannot listen (port 53 of the gateway taken) is a warning, the hosts
   * keep the machine's resolv.conf, and only a dns-fault then fails (it finds no resolver).
   * Absent: it throws.
   */
  warn?: (message: string) => void
}): Promise<RunResolverHandle | undefined> {
  const { topology } = options
  if (!topology || topology.hosts.length === 0) {
    return undefined
  }
  const resolver = new RunResolver(
    new RunNames(
      topology,
      options.services.map((s) => ({ name: s.name, hosts: s.hosts ?? [] }))
    ),
    options.resolver
  )
  try {
    await resolver.listen(topology.networks.map((n) => n.gateway))
  } catch (error) {
    if (!options.warn) {
      throw error
    }
    options.warn(
      `the hosts' resolver could not start (${String(error)}); hosts resolve as the machine does`
    )
    return undefined
  }
  active.set(options.runId, resolver)
  let entries: LedgerEntry[] = []
  let stopped: Promise<void> | undefined
  const stop = async () => {
    active.delete(options.runId)
    await resolver.close()
    // One at a time, newest first: each file before its directory.
    const failures: unknown[] = []
    for (const entry of [...entries].reverse()) {
      try {
        await executeUndo(entry.undo)
        options.ledger.markUndone(entry.id)
      } catch (error) {
        failures.push(error)
      }
    }
    if (failures.length > 0) {
      throw failures[0]
    }
  }
  const handle = { resolver, stop: () => (stopped ??= stop()) }
  try {
    const files = recordHostResolvConfs({ ...options, topology, faultId: SYSTEM })
    entries = files.entries
    files.write()
  } catch (error) {
    await handle.stop().catch(() => undefined)
    throw error
  }
  return handle
}
