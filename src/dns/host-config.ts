/**
 * Points each host at the run's resolver: `/etc/netns/<namespace>/resolv.conf`, which
 * `ip netns exec` bind-mounts over /etc/resolv.conf for every process it starts in that
 * namespace (ip-netns(8)). Namespace names carry the run's claimed net id, so two runs never
 * write the same file. Each file's removal, and its directory's, is in the ledger before the
 * file exists: the watchdog or `ordeal recover` removes them if the runner dies.
 * @module
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Ledger, LedgerEntry, UndoAction } from '../safety/ledger.js'
import type { HostPlan, Topology } from '../platforms/local/network/topology.js'
import { walkSteps, type Step } from '../experiment/model.js'

/** ip-netns's per-namespace configuration root. */
export const NETNS_ETC = '/etc/netns'

export const hostConfigDir = (namespace: string) => path.join(NETNS_ETC, namespace)
export const resolvConfPath = (namespace: string) =>
  path.join(hostConfigDir(namespace), 'resolv.conf')

/**
 * The file's text. One attempt of two seconds: the resolver sits on the host's own bridge, so a
 * lost datagram is not what a silent answer means; a `timeout` dns-fault costs each lookup 2 s,
 * not glibc's default 5 s × 2.
 */
export function resolvConf(runId: string, nameserver: string): string {
  return [
    `# ordeal run ${runId}: the run's resolver (removed when the run ends)`,
    `nameserver ${nameserver}`,
    'options timeout:2 attempts:1',
    '',
  ].join('\n')
}

/** The resolver address a host uses: the gateway of the network of its first interface. */
export function nameserverOf(topology: Topology, host: HostPlan): string | undefined {
  const first = host.interfaces[0]
  return topology.networks.find((n) => n.name === first?.network)?.gateway
}

/**
 * Records every host's resolv.conf removal (under `faultId`) and returns the entries with the
 * write that they reverse, to call next. Refuses, before recording anything, when a host's
 * directory already exists: it is not this run's.
 */
export function recordHostResolvConfs(options: {
  runId: string
  topology: Topology
  ledger: Ledger
  faultId: string
  deadline: number
}): { entries: LedgerEntry[]; write(): void } {
  const { topology } = options
  const hosts = topology.hosts.flatMap((h) => {
    const nameserver = nameserverOf(topology, h)
    return nameserver ? [{ host: h, nameserver }] : []
  })
  for (const { host } of hosts) {
    if (existsSync(hostConfigDir(host.namespace))) {
      throw new Error(`${hostConfigDir(host.namespace)} already exists; it is not this run's`)
    }
  }
  // Undo is newest first: each file goes before its directory.
  const undos: UndoAction[] = hosts.flatMap(({ host }) => [
    {
      kind: 'command' as const,
      argv: ['rmdir', hostConfigDir(host.namespace)],
      label: `remove ${hostConfigDir(host.namespace)}`,
    },
    {
      kind: 'remove-file' as const,
      path: resolvConfPath(host.namespace),
      label: `remove ${resolvConfPath(host.namespace)}`,
    },
  ])
  const entries = options.ledger.recordAll(options.faultId, undos, options.deadline)
  const write = () => {
    mkdirSync(NETNS_ETC, { recursive: true })
    for (const { host, nameserver } of hosts) {
      mkdirSync(hostConfigDir(host.namespace))
      writeFileSync(resolvConfPath(host.namespace), resolvConf(options.runId, nameserver), {
        flag: 'wx',
        mode: 0o644,
      })
    }
  }
  return { entries, write }
}

/**
 * Whether a run serves its hosts a resolver: only when a dns-fault is among its steps (nested
 * groups and a capacity step's fault included). A run with hosts and no dns-fault runs as if
 * the resolver did not exist: no port 53, no /etc/netns file, no ledger entry.
 */
export function hasDnsFault(root: Step): boolean {
  for (const step of walkSteps(root)) {
    const fault =
      step.kind === 'fault'
        ? step.fault
        : step.kind === 'capacity'
          ? step.capacity.fault
          : undefined
    if (fault?.type === 'dns-fault') {
      return true
    }
  }
  return false
}

/** `--dry-run`'s line for the resolver of a run with these hosts and a dns-fault (none without hosts). */
export function describeRunResolver(hosts: readonly string[]): string[] {
  if (hosts.length === 0) {
    return []
  }
  return [
    `resolver: DNS on each network's gateway, port 53 (the run's names and the dns-fault's answers; other names REFUSED, never relayed off the machine); ${NETNS_ETC}/ord-<id>-{${hosts.join(',')}}/resolv.conf, removed at the end`,
  ]
}
