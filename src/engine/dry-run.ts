/**
 * `ordeal run --dry-run`: the resolved timeline and every process, file and target the run
 * would touch, computed without starting or changing anything (attach targets are looked up
 * read-only, so the listing names real pids).
 * @module
 */
import os from 'node:os'
import { describeRunResolver, hasDnsFault } from '../dns/host-config.js'
import path from 'node:path'
import { walkSteps, type Experiment, type Step } from '../experiment/model.js'
import { faultDriver } from '../faults/registry.js'
import { probeDriver } from '../probes/registry.js'
import { describeMetric } from '../metrics/registry.js'
import { describeCapture } from '../capture/describe.js'
import { describeServices } from '../platforms/local/local-supervisor.js'
import { describeAttach } from '../platforms/local/attach.js'
import { formatDuration } from '../shared/duration.js'
import { planSteps } from './plan.js'
import { runDirFor } from '../safety/ledger.js'
import type { LoadSpec } from '../load/contract.js'
import { kubernetesDryRunLines } from './dry-run-kubernetes.js'
import { describeCapacity } from '../capacity/plan.js'
import type { ClusterOptions } from './kubernetes-system.js'
import type { Fault } from '../experiment/model.js'
import { afterText, intervalLine, isRandomised } from './dry-run-timing.js'

/** Capacity steps' faults: they repeat on an `interval` like a fault step's. */
function capacityFaults(experiment: Experiment): Fault[] {
  return [...walkSteps(experiment.root)].flatMap((s) =>
    s.kind === 'capacity' && s.capacity.fault ? [s.capacity.fault] : []
  )
}

function describeLoad(load: LoadSpec): string {
  const rate =
    load.rate !== undefined
      ? `${load.rate}/s`
      : `ramping ${load.startRate}→${load.stages?.map((s) => s.target).join('→')}/s`
  return `${load.method} ${load.url} at ${rate} for ${formatDuration(load.durationMs)} (max ${load.maxInFlight} in flight)`
}

/**
 * @param cluster `--kubeconfig` / `--context`, for the read-only look at a cluster's pods;
 *   `seed` (`--seed N`): show the values randomised fault timing draws with it
 */
export async function dryRunLines(
  experiment: Experiment,
  options: ClusterOptions & { seed?: number } = {}
): Promise<string[]> {
  const { seed, ...cluster } = options
  const lines: string[] = []
  const plan = new Map(planSteps(experiment).map((p) => [p.id, p]))
  lines.push(`experiment ${experiment.name}: ${experiment.hypothesis}`)
  lines.push(
    `deadline ${formatDuration(experiment.deadlineMs)}; planned length ~${formatDuration(plan.get('run')?.plannedDurationMs ?? 0)} plus probe time`
  )
  lines.push('', 'timeline:')
  const visit = (step: Step, depth: number) => {
    const p = plan.get(step.id)
    const at = `+${formatDuration(p?.plannedStartMs ?? 0)}`.padEnd(8)
    const pad = '  '.repeat(depth)
    const weight = p?.scored ? `  [weight ${step.weight}]` : ''
    if (step.id !== 'run') {
      const what =
        step.kind === 'fault'
          ? `fault ${step.fault.type}${afterText(step.fault, seed)} for ${formatDuration(step.fault.durationMs)}`
          : step.kind === 'wait'
            ? `wait ${formatDuration(step.ms)}`
            : step.kind === 'load'
              ? `load ${describeLoad(step.load)}`
              : step.kind === 'capacity'
                ? describeCapacity(step.capacity)
                : step.kind === 'script'
                  ? 'script (TypeScript function: its faults are known when it runs)'
                  : `${step.kind} group`
      lines.push(`  ${at}${pad}${step.name}: ${what}${weight}`)
    }
    if (step.kind === 'load' || step.kind === 'capacity') {
      const thresholds = step.kind === 'load' ? step.load.thresholds : step.capacity.thresholds
      for (const t of thresholds) {
        lines.push(
          `  ${' '.repeat(8)}${pad}  threshold ${t.metric}: ${t.expression}${t.abortOnFail ? ' (abortOnFail)' : ''}`
        )
      }
    }
    for (const probe of step.probes) {
      lines.push(
        `  ${' '.repeat(8)}${pad}  probe ${probe.name} [${probe.mode}] ${probeDriver(probe.type).describe(probe.params as never)}`
      )
    }
    if (step.kind === 'serial' || step.kind === 'parallel') {
      step.children.forEach((c) => visit(c, step.id === 'run' ? depth : depth + 1))
    }
  }
  visit(experiment.root, 0)

  for (const metric of experiment.metrics ?? []) {
    lines.push(
      `  from system ready to the end of the steps: metric ${metric.name} every ${formatDuration(metric.intervalMs)}: ${describeMetric(metric)}`
    )
  }
  for (const m of experiment.monitors ?? []) {
    const polls = m.poll
      .map((p) => `, polls ${p.probe} every ${formatDuration(p.everyMs)}`)
      .join('')
    lines.push(
      `  from system ready to the end of the steps: monitor ${m.name} (states ${Object.keys(m.states).join(', ')}; starts in ${m.initial}${polls})`
    )
  }
  for (const m of experiment.codeMonitors ?? []) {
    const start = m.initial === undefined ? '' : `; starts in ${m.initial}`
    lines.push(
      `  from system ready to the end of the steps: monitor ${m.name} (code; states ${m.states.join(', ')}${start})`
    )
  }
  for (const check of experiment.checks) {
    const over =
      'metric' in check.params
        ? `metric ${check.params.metric}`
        : (check.loadStepId ?? 'every load')
    lines.push(`  after the steps: check ${check.name} [${check.type}] over ${over}`)
  }

  lines.push('', 'would touch:')
  // The run id is only known when the run starts (name, time, random suffix).
  const runId = `${experiment.name}-<time>-<id>`
  const runDir = runDirFor(runId)
  lines.push(`  run directory ${runDir} (journal, service logs; data/ is removed at the end)`)
  // The same choice as the runner's (platforms/local/work-dir.ts): a service with a user of its own
  // cannot reach ordeal's state dir, so the run then works in a private tree under /tmp.
  let workDir = runDir
  if (experiment.system.services.some((s) => s.user !== undefined || s.group !== undefined)) {
    workDir = path.join(os.tmpdir(), `ordeal-${runId.slice(0, 40)}-XXXXXX`)
    lines.push(
      `  work directory ${workDir} (root-owned; each data/<service>-<i>/ is its service's user's; removed at the end)`
    )
  }
  for (const network of experiment.system.networks) {
    lines.push(
      `  network ${network.name}: bridge ord-<id>-b…, a /24 from 198.18.0.0/15 (gateway .254 for ordeal's own probes; nothing routed out)`
    )
  }
  for (const host of experiment.system.hosts) {
    const links = host.networks.map((n, i) => `eth${i} on ${n}`).join(', ')
    lines.push(`  host ${host.name}: namespace ord-<id>-${host.name}, lo up, ${links} (veth)`)
  }
  if (experiment.capture) {
    lines.push(
      ...describeCapture(experiment.capture, path.join(runDir, 'capture')).map((l) => `  ${l}`)
    )
  }
  if (hasDnsFault(experiment.root)) {
    for (const line of describeRunResolver(experiment.system.hosts.map((h) => h.name))) {
      lines.push(`  ${line}`)
    }
  }
  for (const line of describeServices(experiment.system.services, workDir)) {
    lines.push(`  launch ${line}`)
  }
  for (const attach of experiment.system.attach) {
    lines.push(`  attach ${attach.name}: ${(await describeAttach(attach)).join('; ')}`)
  }
  const faults = [...walkSteps(experiment.root)].filter(
    (s): s is Extract<Step, { kind: 'fault' }> => s.kind === 'fault'
  )
  const kube = await kubernetesDryRunLines(experiment, faults, cluster)
  for (const step of faults) {
    const cluster = kube.get(step)
    // A Kubernetes fault's line comes from the cluster: it names the real pods, nodes or
    // workload, which the driver's own words (no cluster at hand) can only describe.
    if (cluster === undefined) {
      for (const line of faultDriver(step.fault.type).describe(step.fault.params as never, {
        baseDir: experiment.baseDir,
      })) {
        lines.push(`  ${step.name}: ${line}`)
      }
    }
    if (cluster !== undefined) {
      lines.push(`  ${step.name}: ${cluster}`)
    }
    const waits = intervalLine(step.fault, seed)
    if (waits !== undefined) {
      lines.push(`  ${step.name}: ${waits}`)
    }
  }
  // A capacity step's fault goes through the same driver as a fault step's.
  for (const step of walkSteps(experiment.root)) {
    if (step.kind === 'capacity' && step.capacity.fault) {
      const { fault } = step.capacity
      for (const line of faultDriver(fault.type).describe(fault.params as never, {
        baseDir: experiment.baseDir,
      })) {
        lines.push(`  ${step.name}: ${line}`)
      }
      const waits = intervalLine(fault, seed)
      if (waits !== undefined) {
        lines.push(`  ${step.name}: ${waits}`)
      }
    }
  }
  const randomised = [...faults.map((s) => s.fault), ...capacityFaults(experiment)].some(
    isRandomised
  )
  if (randomised) {
    lines.push(
      '',
      seed === undefined
        ? 'randomised timing: drawn from a seed the run picks and prints (--seed N draws the same values; with --dry-run it shows them)'
        : `randomised timing: the values above are what a run with --seed ${seed} draws`
    )
  }
  if (
    experiment.system.services.length === 0 &&
    experiment.system.hosts.length === 0 &&
    experiment.system.attach.length === 0 &&
    faults.length === 0
  ) {
    lines.push('  nothing')
  }
  return lines
}
