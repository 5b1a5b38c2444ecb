/**
 * Checks that need the whole manifest: unique names, references between sections, and
 * limits that a per-field schema cannot see.
 * @module
 */
import type { ExperimentInput, StepInputType } from './schema.js'
import { didYouMean } from './did-you-mean.js'
import { parseDuration } from '../shared/duration.js'
import { loadIssues } from '../load/resolve.js'
import { capacityIssues } from '../capacity/resolve.js'
import { parseThreshold, type Aggregation } from '../load/thresholds.js'
import { capConflict } from '../faults/select-caps.js'
import { faultNetworkIssues, networkIssues } from './network-semantics.js'
import { proxyIssues } from './proxy-semantics.js'
import { templateIssues } from './template-semantics.js'
import { urlIssues } from './url-semantics.js'
import { stepNameIssues } from './step-names.js'
import { agentIssues, isAgentPartition } from './agent-semantics.js'
import { isKubernetesFaultType, kubernetesIssues } from './kubernetes-semantics.js'
import { scheduleIssues } from './schedule-semantics.js'
import { triggerIssues } from './trigger-semantics.js'
import { metricIssues } from '../metrics/semantics.js'
import { captureIssues } from '../capture/semantics.js'
import { faultPreloadIssues } from './preload-semantics.js'
import { monitorIssues } from '../monitors/semantics.js'

export interface SemanticIssue {
  path: (string | number)[]
  message: string
}

const kMaxFaultDurationMs = 24 * 3_600_000

export function semanticIssues(input: ExperimentInput): SemanticIssue[] {
  const issues: SemanticIssue[] = [
    ...networkIssues(input),
    ...proxyIssues(input),
    ...templateIssues(input),
    ...urlIssues(input),
    ...stepNameIssues(input.spec.steps),
    ...agentIssues(input),
    ...kubernetesIssues(input),
    ...scheduleIssues(input),
    ...triggerIssues(input),
    ...metricIssues(input),
    ...captureIssues(input),
    ...monitorIssues(input),
  ]
  const services = input.spec.system?.services ?? []
  const attach = input.spec.system?.attach ?? []
  const serviceNames = services.map((s) => s.name)
  const multiHost = (input.spec.system?.agents?.length ?? 0) > 0
  const attachNames = attach.map((a) => a.name)

  duplicates(serviceNames, (name, i) =>
    issues.push({
      path: ['spec', 'system', 'services', i, 'name'],
      message: `duplicate service name '${name}'`,
    })
  )
  duplicates(attachNames, (name, i) =>
    issues.push({
      path: ['spec', 'system', 'attach', i, 'name'],
      message: `duplicate attach name '${name}'`,
    })
  )
  attach.forEach((a, i) => {
    if (a.match === undefined) {
      return
    }
    try {
      new RegExp(a.match)
    } catch (error) {
      issues.push({
        path: ['spec', 'system', 'attach', i, 'match'],
        message: `is not a valid regular expression: ${(error as Error).message}`,
      })
    }
  })
  const probeNames = new Map<string, string>()
  const checkProbes = (
    probes: { name: string; mode: string }[] | undefined,
    base: (string | number)[]
  ) =>
    probes?.forEach((p, i) => {
      const key = `${p.name}`
      if (probeNames.has(key)) {
        issues.push({
          path: [...base, 'probes', i, 'name'],
          message: `duplicate probe name '${p.name}' (first used at ${probeNames.get(key)}); probe names are unique in an experiment`,
        })
      } else {
        probeNames.set(key, [...base, 'probes', i].join('.'))
      }
    })
  checkProbes(input.spec.probes, ['spec'])

  const loadNames: string[] = []
  const visit = (step: StepInputType, p: (string | number)[]) => {
    checkProbes(step.probes, p)
    if (step.load) {
      if (step.name !== undefined) {
        loadNames.push(step.name)
      }
      for (const issue of loadIssues(step.load)) {
        issues.push({ path: [...p, 'load', ...issue.path], message: issue.message })
      }
    }
    if (step.capacity) {
      for (const issue of capacityIssues(step.capacity)) {
        issues.push({ path: [...p, 'capacity', ...issue.path], message: issue.message })
      }
      if (multiHost) {
        issues.push({
          path: [...p, 'capacity'],
          message: 'is not supported in a multi-host experiment (spec.system.agents) yet',
        })
      }
    }
    // A capacity step's fault is checked like a fault step's, under `capacity`.
    const fault = step.fault ?? (step.capacity?.fault as StepInputType['fault'])
    const fp = step.capacity?.fault ? [...p, 'capacity'] : p
    if (fault) {
      // Multi-host network faults and `agent:` partitions are agent-semantics.ts's: they name
      // logical hosts, not spec.system.hosts.
      const agentPartition = fault.type === 'network-partition' && isAgentPartition(fault.between)
      // network-isolate is a Kubernetes fault (a NetworkPolicy), not one on spec.system.hosts.
      const onHosts =
        (fault.type.startsWith('network-') ||
          fault.type === 'port-blackhole' ||
          fault.type === 'dns-fault') &&
        !isKubernetesFaultType(fault.type)
      if (onHosts && !agentPartition && !multiHost) {
        issues.push(...faultNetworkIssues(input, fault, fp))
      }
      if ('target' in fault && fault.target) {
        const t = fault.target
        if (t.service !== undefined && !serviceNames.includes(t.service)) {
          issues.push({
            path: [...fp, 'fault', 'target', 'service'],
            message: `no service named '${t.service}' in spec.system.services${didYouMean(t.service, serviceNames)}`,
          })
        }
        if (t.attach !== undefined && !attachNames.includes(t.attach)) {
          issues.push({
            path: [...fp, 'fault', 'target', 'attach'],
            message: `no attach target named '${t.attach}' in spec.system.attach${didYouMean(t.attach, attachNames)}`,
          })
        }
        // A launched service has exactly `replicas` candidates; an attach match is counted
        // only at run time, where the caps clamp whatever the mode picks.
        const service = services.find((s) => s.name === t.service)
        const conflict = capConflict(
          t,
          service ? (service.replicas ?? service.hosts?.length ?? 1) : undefined
        )
        if (conflict !== undefined) {
          issues.push({ path: [...fp, 'fault', 'target'], message: conflict })
        }
        issues.push(...faultPreloadIssues(fault, services, fp))
        if (fault.type === 'process-restart' && t.attach !== undefined) {
          issues.push({
            path: [...fp, 'fault', 'target', 'attach'],
            message:
              'process-restart needs a service ordeal launched (it cannot restart an attached process)',
          })
        }
      }
      const durationMs = parseDuration(fault.duration)
      if (durationMs !== undefined && durationMs <= 0) {
        issues.push({
          path: [...fp, 'fault', 'duration'],
          message: 'must be longer than 0s; every fault needs a finite, positive duration',
        })
      }
      if (durationMs !== undefined && durationMs > kMaxFaultDurationMs) {
        issues.push({ path: [...fp, 'fault', 'duration'], message: 'must be at most 24h' })
      }
      if (fault.type === 'process-kill' && fault.interval !== undefined) {
        const iv = parseDuration(fault.interval)
        if (iv !== undefined && iv <= 0) {
          issues.push({ path: [...fp, 'fault', 'interval'], message: 'must be longer than 0s' })
        }
      }
    }
    step.serial?.forEach((c, i) => visit(c, [...p, 'serial', i]))
    step.parallel?.forEach((c, i) => visit(c, [...p, 'parallel', i]))
  }
  input.spec.steps.forEach((s, i) => visit(s, ['spec', 'steps', i]))

  const checkNames = new Set<string>()
  input.spec.checks?.forEach((check, i) => {
    if (checkNames.has(check.name)) {
      issues.push({
        path: ['spec', 'checks', i, 'name'],
        message: `duplicate check name '${check.name}'`,
      })
    }
    checkNames.add(check.name)
    if (check.type === 'backlog' || check.type === 'recovery') {
      return // over a metric, not a load's history: metrics/semantics.ts
    }
    if (check.load !== undefined && !loadNames.includes(check.load)) {
      issues.push({
        path: ['spec', 'checks', i, 'load'],
        message: `no load step named '${check.load}'${didYouMean(check.load, loadNames)}${loadNames.length ? '' : ' (give the load step a name)'}`,
      })
    }
    if (check.load === undefined && loadNames.length === 0 && !hasLoad(input.spec.steps)) {
      issues.push({
        path: ['spec', 'checks', i],
        message: 'a check needs a load step whose history it checks',
      })
    }
  })
  input.spec.abort?.forEach((a, i) => {
    if (a.load !== undefined && !loadNames.includes(a.load)) {
      issues.push({
        path: ['spec', 'abort', i, 'load'],
        message: `no load step named '${a.load}'${didYouMean(a.load, loadNames)}`,
      })
    }
    if (a.metric !== undefined && a.threshold !== undefined) {
      const parsed = parseThreshold(a.metric, a.threshold)
      if (!parsed.ok) {
        issues.push({ path: ['spec', 'abort', i, 'threshold'], message: parsed.message })
      } else if (!perSecond(parsed.threshold.metric, parsed.threshold.aggregation)) {
        issues.push({
          path: ['spec', 'abort', i, 'threshold'],
          message:
            'abort conditions are judged per second: use rate or count, or med, p(50), p(95), p(99) of http_req_duration',
        })
      }
    }
    if (a.probe !== undefined && !probeNames.has(a.probe)) {
      issues.push({
        path: ['spec', 'abort', i, 'probe'],
        message: `no probe named '${a.probe}'${didYouMean(a.probe, [...probeNames.keys()])}`,
      })
    }
  })
  return issues
}

/** What one second of load can answer (see engine/abort-monitor.ts). */
function perSecond(metric: string, aggregation: Aggregation): boolean {
  if (metric === 'http_req_service_duration') {
    return false
  }
  if (metric !== 'http_req_duration') {
    return true
  }
  return (
    aggregation.kind === 'med' ||
    (aggregation.kind === 'p' && [50, 95, 99].includes(aggregation.percentile))
  )
}

function hasLoad(steps: StepInputType[]): boolean {
  return steps.some(
    (s) => s.load !== undefined || hasLoad(s.serial ?? []) || hasLoad(s.parallel ?? [])
  )
}

function duplicates(names: string[], report: (name: string, index: number) => void) {
  const seen = new Set<string>()
  names.forEach((n, i) => (seen.has(n) ? report(n, i) : seen.add(n)))
}
