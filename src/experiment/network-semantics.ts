/**
 * Whole-manifest checks for hosts and networks: unique names, every reference resolves (with
 * did-you-mean), replicas fit their hosts, and network faults name hosts that exist.
 * @module
 */
import type { ExperimentInput, FaultInput } from './schema.js'
import type { SemanticIssue } from './semantics.js'
import { didYouMean } from './did-you-mean.js'

/** A host joins at most this many networks (interfaces eth0..eth7). */
const kMaxNetworksPerHost = 8
/** Each network is a /24 and hosts take .1 to .253 (.254 is the bridge). */
const kMaxHosts = 253

export function networkIssues(input: ExperimentInput): SemanticIssue[] {
  const issues: SemanticIssue[] = []
  const system = input.spec.system
  const networks = (system?.networks ?? []).map((n) => n.name)
  const hosts = (system?.hosts ?? []).map((h) => h.name)
  const base = ['spec', 'system']
  unique(networks, (n, i) =>
    issues.push({ path: [...base, 'networks', i, 'name'], message: `duplicate network '${n}'` })
  )
  unique(hosts, (n, i) =>
    issues.push({ path: [...base, 'hosts', i, 'name'], message: `duplicate host '${n}'` })
  )
  if (hosts.length > kMaxHosts) {
    issues.push({ path: [...base, 'hosts'], message: `must be at most ${kMaxHosts} hosts` })
  }
  system?.hosts?.forEach((host, i) => {
    if (host.networks.length > kMaxNetworksPerHost) {
      issues.push({
        path: [...base, 'hosts', i, 'networks'],
        message: `a host joins at most ${kMaxNetworksPerHost} networks`,
      })
    }
    unique(host.networks, (n, j) =>
      issues.push({
        path: [...base, 'hosts', i, 'networks', j],
        message: `network '${n}' listed twice`,
      })
    )
    host.networks.forEach((n, j) => {
      if (!networks.includes(n)) {
        issues.push({
          path: [...base, 'hosts', i, 'networks', j],
          message: `no network named '${n}' in spec.system.networks${didYouMean(n, networks)}`,
        })
      }
    })
  })
  system?.services?.forEach((service, i) => {
    const at = [...base, 'services', i]
    const refs = service.hosts ?? (service.host === undefined ? [] : [service.host])
    refs.forEach((h, j) => {
      if (!hosts.includes(h)) {
        issues.push({
          path: service.hosts ? [...at, 'hosts', j] : [...at, 'host'],
          message: `no host named '${h}' in spec.system.hosts${didYouMean(h, hosts)}`,
        })
      }
    })
    if (service.hosts && service.replicas !== undefined) {
      if (service.replicas !== service.hosts.length) {
        issues.push({
          path: [...at, 'replicas'],
          message: `is ${service.replicas} but 'hosts' lists ${service.hosts.length}; replica i runs on hosts[i], so they must match (or leave replicas out)`,
        })
      }
    }
  })
  return issues
}

/** References from a network fault's params to hosts and networks. */
export function faultNetworkIssues(
  input: ExperimentInput,
  fault: FaultInput,
  at: (string | number)[]
): SemanticIssue[] {
  const hosts = (input.spec.system?.hosts ?? []).map((h) => h.name)
  const networks = (input.spec.system?.networks ?? []).map((n) => n.name)
  const issues: SemanticIssue[] = []
  const host = (name: string, path: (string | number)[]) => {
    if (!hosts.includes(name)) {
      issues.push({
        path: [...at, 'fault', ...path],
        message: `no host named '${name}' in spec.system.hosts${didYouMean(name, hosts)}${hosts.length ? '' : ' (declare hosts to use network faults)'}`,
      })
    }
  }
  const record = fault as unknown as Record<string, unknown>
  if (fault.type === 'dns-fault') {
    // The resolver serves spec.system.hosts: without hosts there is nothing to answer.
    if (hosts.length === 0) {
      issues.push({
        path: [...at, 'fault', 'type'],
        message:
          'dns-fault acts on lookups made on spec.system.hosts; declare hosts and place services on them',
      })
    }
    fault.hosts?.forEach((name, i) => hosts.length > 0 && host(name, ['hosts', i]))
    return issues
  }
  if (fault.type === 'network-partition') {
    const seen = new Set<string>()
    fault.between.forEach((group, g) =>
      group.forEach((name, i) => {
        host(name, ['between', g, i])
        if (seen.has(name)) {
          issues.push({
            path: [...at, 'fault', 'between', g, i],
            message: `host '${name}' is in more than one group`,
          })
        }
        seen.add(name)
      })
    )
    return issues
  }
  for (const key of ['host', 'peer'] as const) {
    const value = record[key]
    if (typeof value === 'string') {
      host(value, [key])
    }
  }
  const network = record['network']
  if (typeof network === 'string') {
    const hostSpec = input.spec.system?.hosts?.find((h) => h.name === record['host'])
    const joined = hostSpec?.networks ?? networks
    if (!joined.includes(network)) {
      issues.push({
        path: [...at, 'fault', 'network'],
        message: `host '${String(record['host'])}' is not on a network named '${network}'${didYouMean(network, joined)}`,
      })
    }
  }
  return issues
}

function unique(names: string[], report: (name: string, index: number) => void) {
  const seen = new Set<string>()
  names.forEach((n, i) => (seen.has(n) ? report(n, i) : seen.add(n)))
}
