/**
 * Whole-manifest checks of a multi-host experiment (issue 14 item 5): `spec.system.agents`
 * declares logical hosts, and every `agent:` (services, probes, load steps, `fault.agent`,
 * partition groups `agent:NAME`) names one of them, with did-you-mean. Once agents are
 * declared, everything that acts somewhere must say where: the coordinator sends each command
 * to exactly one part, so a probe or load with no agent would have nowhere to run. What a part
 * cannot do yet (namespaced hosts, networks, proxies, attach, checks) is refused here, with
 * the field named, rather than half-run.
 * @module
 */
import type { ExperimentInput, FaultInput, ProbeInput, StepInputType } from './schema.js'
import type { SemanticIssue } from './semantics.js'
import { didYouMean } from './did-you-mean.js'

type Path = (string | number)[]

/** `agent:a` in a network-partition group: the whole host of logical agent `a`. */
export const AGENT_GROUP_PREFIX = 'agent:'

export function agentIssues(input: ExperimentInput): SemanticIssue[] {
  const system = input.spec.system
  const declared = system?.agents
  const names = (declared ?? []).map((a) => a.name)
  const multi = names.length > 0
  const list = names.join(', ')
  const issues: SemanticIssue[] = []
  const seen = new Set<string>()
  declared?.forEach((a, i) => {
    if (seen.has(a.name)) {
      issues.push({
        path: ['spec', 'system', 'agents', i, 'name'],
        message: `duplicate agent '${a.name}'`,
      })
    }
    seen.add(a.name)
  })
  /** An `agent:` value: declared, or why not. */
  const reference = (name: string, path: Path) => {
    const message = referenceIssue(name, names)
    if (message !== undefined) {
      issues.push({ path, message })
    }
  }
  const required = (what: string, path: Path) =>
    issues.push({
      path,
      message: `needs 'agent' (one of ${list}): spec.system.agents is set, so every ${what} says which host it runs on`,
    })

  if (multi) {
    // What a part cannot carry out yet.
    const unsupported: [Path, unknown][] = [
      [['system', 'hosts'], system?.hosts],
      [['system', 'networks'], system?.networks],
      [['system', 'proxies'], system?.proxies],
      [['system', 'attach'], system?.attach],
      [['checks'], input.spec.checks],
    ]
    for (const [field, value] of unsupported) {
      if (value !== undefined) {
        issues.push({
          path: ['spec', ...field],
          message: `spec.${field.join('.')} is not supported in a multi-host experiment (spec.system.agents) yet`,
        })
      }
    }
  }
  system?.services?.forEach((service, i) => {
    const at = ['spec', 'system', 'services', i]
    if (service.agent !== undefined) {
      reference(service.agent, [...at, 'agent'])
    } else if (multi) {
      required('service', at)
    }
    if (multi) {
      for (const key of ['host', 'hosts'] as const) {
        if (service[key] !== undefined) {
          issues.push({
            path: [...at, key],
            message: `a service's '${key}' is not supported in a multi-host experiment (spec.system.agents) yet: it runs on its agent's host`,
          })
        }
      }
    }
  })
  const probes = (list: ProbeInput[] | undefined, base: Path) =>
    list?.forEach((probe, i) => {
      const at = [...base, 'probes', i]
      if (probe.agent !== undefined) {
        reference(probe.agent, [...at, 'agent'])
      } else if (multi) {
        required('probe', at)
      }
    })
  probes(input.spec.probes, ['spec'])

  const serviceAgent = new Map((system?.services ?? []).map((s) => [s.name, s.agent]))
  const visit = (step: StepInputType, at: Path) => {
    probes(step.probes, at)
    if (step.agent !== undefined) {
      if (step.load === undefined) {
        issues.push({
          path: [...at, 'agent'],
          message:
            "is for load steps only: a fault says where it runs with fault.agent, a probe with its own 'agent'",
        })
      } else {
        reference(step.agent, [...at, 'agent'])
      }
    } else if (step.load !== undefined && multi) {
      required('load step', at)
    }
    if (step.fault) {
      issues.push(...faultIssues(step.fault, [...at, 'fault']))
    }
    step.serial?.forEach((c, i) => visit(c, [...at, 'serial', i]))
    step.parallel?.forEach((c, i) => visit(c, [...at, 'parallel', i]))
  }
  const faultIssues = (fault: FaultInput, at: Path): SemanticIssue[] => {
    const found: SemanticIssue[] = []
    const partition = fault.type === 'network-partition' && isAgentPartition(fault.between)
    if (partition) {
      found.push(...partitionIssues(fault.between, at, names))
      if (fault.agent !== undefined) {
        found.push({
          path: [...at, 'agent'],
          message: `a partition of agent: groups is carried out by every agent it names; leave 'agent' out`,
        })
      }
      return found
    }
    const service = 'target' in fault ? fault.target?.service : undefined
    if (fault.agent !== undefined) {
      reference(fault.agent, [...at, 'agent'])
      // A process fault acts where the processes are: on another host it would find none.
      const host = service === undefined ? undefined : serviceAgent.get(service)
      if (host !== undefined && host !== fault.agent) {
        found.push({
          path: [...at, 'agent'],
          message: `is '${fault.agent}', but service '${service}' runs on agent '${host}'; a fault on a service runs on its agent (leave 'agent' out)`,
        })
      }
    }
    if (!multi) {
      return found
    }
    if (
      fault.type.startsWith('network-') ||
      fault.type === 'port-blackhole' ||
      fault.type === 'dns-fault'
    ) {
      found.push({
        path: [...at, 'type'],
        message: `${fault.type} acts on spec.system.hosts, which a multi-host experiment (spec.system.agents) does not support yet; a cross-host partition names agent: groups (between: [[agent:${names[0]}], ...])`,
      })
      return found
    }
    if (fault.agent === undefined && (service === undefined || !serviceAgent.has(service))) {
      found.push({
        path: at,
        message: `needs 'agent' (one of ${list}): spec.system.agents is set, and only a fault on a service runs on that service's agent`,
      })
    }
    return found
  }
  input.spec.steps.forEach((s, i) => visit(s, ['spec', 'steps', i]))
  return issues
}

/** Why `agent: name` does not name a declared logical agent (none declared: say where). */
function referenceIssue(name: string, names: readonly string[]): string | undefined {
  if (names.length === 0) {
    return `names logical agent '${name}', but spec.system.agents is not set (declare the hosts of a multi-host experiment there)`
  }
  return names.includes(name)
    ? undefined
    : `no agent named '${name}' in spec.system.agents${didYouMean(name, [...names])}`
}

/** A partition whose groups name `agent:` hosts (checked as such, even when mixed). */
export function isAgentPartition(between: readonly (readonly string[])[]): boolean {
  return between.some((group) => group.some((name) => name.startsWith(AGENT_GROUP_PREFIX)))
}

function partitionIssues(
  between: readonly (readonly string[])[],
  at: Path,
  names: string[]
): SemanticIssue[] {
  const issues: SemanticIssue[] = []
  const seen = new Set<string>()
  between.forEach((group, g) =>
    group.forEach((entry, i) => {
      const path = [...at, 'between', g, i]
      if (!entry.startsWith(AGENT_GROUP_PREFIX)) {
        issues.push({
          path,
          message: `'${entry}' is not an agent:NAME group member; a partition names either agent: hosts or spec.system.hosts names, not both`,
        })
        return
      }
      const name = entry.slice(AGENT_GROUP_PREFIX.length)
      const message = referenceIssue(name, names)
      if (message !== undefined) {
        issues.push({ path, message })
      }
      if (seen.has(name)) {
        issues.push({ path, message: `agent '${name}' is in more than one group` })
      }
      seen.add(name)
    })
  )
  return issues
}

/**
 * What to do with a multi-host manifest asked to run anywhere but on its agents (locally, on
 * one agent, on the embedded agent): the same line from the CLI and the Chaos Center.
 */
export function multiHostHint(names: readonly string[]): string {
  const flags = names.map((n) => `--agent ${n}=NAME`).join(' ')
  return `spec.system.agents declares agents ${names.join(', ')}: run it on agents with --server URL ${flags}`
}
