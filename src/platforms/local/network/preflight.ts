/**
 * What must hold before ordeal creates a host or touches a packet, checked before anything is
 * created: root (namespaces, bridges and iptables need it), and netem for latency.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { walkSteps, type Experiment } from '../../../experiment/model.js'
import { nsExec, netnsDel } from './commands.js'
import { runArgv } from '../../../safety/exec.js'
import { NAME_PREFIX } from './names.js'

/** Fault types that act on hosts (network namespaces). */
export const NAMESPACE_FAULTS = [
  'network-partition',
  'network-loss',
  'network-bandwidth',
  'network-latency',
  'port-blackhole',
] as const

/** Follows "Instead, " or "Run as root, or ", so it says no "instead" itself. */
export const PROXY_ALTERNATIVE =
  "use ordeal's TCP proxy (spec.system.proxies and proxy-toxic, or 'ordeal proxy'; Toxiproxy-compatible, with latency, bandwidth, timeout and reset toxics), which needs no root and no kernel support"

export interface PreflightChecks {
  /** Injectable so tests can simulate a non-root user without dropping privileges. */
  isRoot?: () => boolean
  /** Injectable for the same reason; defaults to a real probe in a scratch namespace. */
  netemAvailable?: () => Promise<boolean>
}

/** A message saying why the experiment's hosts or network faults cannot run here, else undefined. */
export async function networkPreflight(
  experiment: Experiment,
  checks: PreflightChecks = {}
): Promise<string | undefined> {
  const faults = [...walkSteps(experiment.root)].flatMap((s) =>
    s.kind === 'fault' && (NAMESPACE_FAULTS as readonly string[]).includes(s.fault.type)
      ? [s.fault.type]
      : []
  )
  if (experiment.system.hosts.length === 0 && faults.length === 0) {
    return undefined
  }
  const isRoot = checks.isRoot ?? (() => process.getuid?.() === 0)
  if (!isRoot()) {
    const what = experiment.system.hosts.length
      ? 'hosts (network namespaces)'
      : `the ${faults[0]} fault`
    return `${what} need root: ordeal creates network namespaces, bridges and iptables rules. Run as root, or ${PROXY_ALTERNATIVE}`
  }
  if (faults.includes('network-latency')) {
    const netem = await (checks.netemAvailable ?? netemAvailable)()
    if (!netem) {
      return `network-latency needs the netem qdisc, and this kernel has no netem (sch_netem). Instead, ${PROXY_ALTERNATIVE}`
    }
  }
  return undefined
}

let netemCache: Promise<boolean> | undefined

/**
 * Tries `tc qdisc add ... netem` on `lo` of a scratch namespace, deleted right after: the only
 * reliable test (the module may be built in, loadable, or absent).
 */
export function netemAvailable(): Promise<boolean> {
  netemCache ??= (async () => {
    const ns = `${NAME_PREFIX}probe-${randomBytes(3).toString('hex')}`
    const added = await runArgv(['ip', 'netns', 'add', ns])
    if (added.code !== 0) {
      return false
    }
    try {
      const argv = nsExec(ns, ['tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'])
      return (await runArgv(argv)).code === 0
    } finally {
      await runArgv(netnsDel(ns))
    }
  })()
  return netemCache
}
