/**
 * This host's side of a cross-host partition (part.ts `fault` with `rules`): iptables DROP rules
 * in the agent's OWN network namespace, the one its Chaos Center's socket also uses. Hence two
 * refusals before anything is touched: an agent not started with `--allow-host-network`, and a
 * rule whose peer is the Chaos Center (or loopback), which would cut the agent off the very
 * coordinator that times the fault and, failing that, its lease. Each rule's delete is in the
 * ledger before the rule exists, as for a partition between local hosts (rule-set.ts).
 * @module
 */
import { isIP } from 'node:net'
import os from 'node:os'
import type { PartRule } from '../../platforms/agent/part.js'
import { restoreInput, ruleSpec, type Rule } from '../../platforms/local/network/commands.js'
import type { Ledger, LedgerEntry } from '../../safety/ledger.js'
import { mustRun } from '../../safety/exec.js'
import { executeUndo } from '../../safety/undo.js'

/** A rule of this host's own namespace: no `ip netns exec`. */
export type HostRule = Omit<Rule, 'namespace'>

/** OUTPUT drops what this host sends to the peer, INPUT what it receives from it. */
export function hostRules(rules: PartRule[], comment: string): HostRule[] {
  return rules.map((rule) => ({
    chain: rule.chain,
    match: [rule.chain === 'OUTPUT' ? '-d' : '-s', rule.peer],
    comment,
  }))
}

export const hostRuleDelete = (rule: HostRule): string[] => [
  'iptables',
  '-w',
  '-D',
  rule.chain,
  ...ruleSpec(rule),
]
export const hostRestoreArgv = (): string[] => ['iptables-restore', '-w', '--noflush']

const bare = (address: string): string => address.replace(/^::ffff:/i, '')

/** Loopback in either family (and v4-mapped v6): never a partition peer of a host. */
export function isLoopback(address: string): boolean {
  const b = bare(address)
  return b === '::1' || (isIP(b) === 4 && b.startsWith('127.'))
}

export interface PartitionPermission {
  /** The agent's registered name (`edge-1`): the lines name the agent, as its operator knows it. */
  agent: string
  allowHostNetwork: boolean
  /** The Chaos Center's addresses as this agent reaches it (given, and its socket's peer). */
  centerAddresses: string[]
  /** This namespace's own addresses (tests inject them); default: os.networkInterfaces(). */
  localAddresses?: string[]
}

/** Every address of this network namespace, loopback included. */
export function interfaceAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((a) => a.address)
}

/** Why these rules may not be applied here, as the one line the journal and reply carry. */
export function partitionRefusal(rules: PartRule[], p: PartitionPermission): string | undefined {
  if (!p.allowHostNetwork) {
    return `agent ${p.agent} refuses faults in its own network namespace (start it with --allow-host-network)`
  }
  // The schema refuses a non-IP peer already; this is the last line of defence before iptables
  // (which would resolve a name, or take a CIDR such as 0.0.0.0/0 that covers the Center).
  const notIp = rules.find((rule) => isIP(rule.peer) === 0)
  if (notIp) {
    return `agent ${p.agent} refuses partition peer ${JSON.stringify(notIp.peer)}: not an IP address`
  }
  // The agent shares the Chaos Center's namespace: any rule here also cuts the Center's sockets
  // to the other agents (their commands, replies, marks and leases), whatever the peer.
  const own = new Set((p.localAddresses ?? interfaceAddresses()).map(bare))
  const sharing = p.centerAddresses.find((a) => isLoopback(a) || own.has(bare(a)))
  if (sharing !== undefined) {
    return `the partition would cut agent ${p.agent} off its Chaos Center (${sharing}): the agent runs on the Chaos Center's host`
  }
  const centers = new Set(p.centerAddresses.map(bare))
  for (const rule of rules) {
    const peer = bare(rule.peer)
    if (centers.has(peer) || isLoopback(peer)) {
      return `the partition would cut agent ${p.agent} off its Chaos Center (${rule.peer})`
    }
  }
  const v6 = rules.find((rule) => isIP(bare(rule.peer)) === 6)
  if (v6) {
    return `agent ${p.agent} cannot partition from IPv6 peer ${v6.peer}: cross-host partitions are IPv4 only (iptables)`
  }
  return undefined
}

/** The rules' deletes recorded, then the rules added in one iptables-restore; `heal` undoes. */
export class HostRuleSet {
  #entries: { rule: HostRule; entry: LedgerEntry }[] = []

  constructor(
    private readonly ledger: Ledger,
    private readonly faultId: string,
    private readonly deadline: number
  ) {}

  async apply(rules: HostRule[]): Promise<void> {
    const entries = this.ledger.recordAll(
      this.faultId,
      rules.map((rule) => ({
        kind: 'command' as const,
        argv: hostRuleDelete(rule),
        label: `remove rule ${rule.chain} ${rule.match.join(' ')} on this host`,
      })),
      this.deadline
    )
    this.#entries.push(...rules.map((rule, i) => ({ rule, entry: entries[i]! })))
    await mustRun(hostRestoreArgv(), restoreInput(rules, '-A'))
  }

  /** One by one: a rule already gone (recover, the watchdog) counts as removed. */
  async heal(): Promise<void> {
    const failures: unknown[] = []
    const healed: string[] = []
    for (const { entry } of this.#entries) {
      try {
        await executeUndo(entry.undo)
        healed.push(entry.id)
      } catch (error) {
        failures.push(error)
      }
    }
    this.ledger.markAllUndone(healed)
    this.#entries = this.#entries.filter((e) => !healed.includes(e.entry.id))
    if (failures.length > 0) {
      throw failures[0]
    }
  }
}
