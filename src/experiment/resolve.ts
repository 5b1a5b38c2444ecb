/**
 * The one resolver from manifest input to the runnable model (STYLE.md §12): every default is
 * applied here, nowhere else (the values are in defaults.ts, which the schemas document).
 * @module
 */
import { PRELOAD_NAMES } from '../platforms/local/preload/contract.js'
import { deniedNamespacesOf } from '../platforms/kubernetes/deny-list.js'
import path from 'node:path'
import { parseDuration } from '../shared/duration.js'
import { isFixed, timingOf, type TimingRange } from '../shared/timing-range.js'
import type {
  CheckInputType,
  ExperimentInput,
  ProbeInput,
  ServiceInput,
  StepInputType,
} from './schema.js'
import { walkSteps } from './model.js'
import type {
  AbortCondition,
  Check,
  Experiment,
  KubernetesSystemSpec,
  Probe,
  ServiceSpec,
  Step,
} from './model.js'
import {
  DEFAULT_DENIED_NAMESPACES,
  DEFAULT_MAX_PODS_PER_FAULT,
  type KubernetesSystemInput,
} from './kubernetes-schema.js'
import { resolveLoad } from '../load/resolve.js'
import { resolveCapacity } from '../capacity/resolve.js'
import { stepNames } from './step-names.js'
import { DEFAULTS } from './defaults.js'
import { resolveMetric } from '../metrics/resolve.js'
import { resolveCapture } from '../capture/resolve.js'
import { resolveMonitor } from '../monitors/resolve.js'

export { DEFAULTS }

const ms = (text: string | undefined, fallback: string): number =>
  parseDuration(text ?? fallback) ?? 0

export interface ResolveOptions {
  baseDir: string
  file?: string
}

export function resolveExperiment(input: ExperimentInput, options: ResolveOptions): Experiment {
  const { spec, metadata } = input
  const names = stepNames(spec.steps)
  const root: Step = {
    id: 'run',
    name: metadata.name,
    path: 'spec',
    kind: 'serial',
    weight: DEFAULTS.weight,
    probes: (spec.probes ?? []).map((p) => resolveProbe(p, 'run')),
    children: spec.steps.map((s, i) => resolveStep(s, `run.${i}`, `spec.steps[${i}]`, names)),
  }
  const loadSteps = [...walkSteps(root)].filter((s) => s.kind === 'load')
  return {
    name: metadata.name,
    ...(metadata.description === undefined ? {} : { description: metadata.description }),
    hypothesis: spec.hypothesis,
    ...(options.file === undefined ? {} : { file: options.file }),
    baseDir: options.baseDir,
    deadlineMs: ms(spec.deadline, DEFAULTS.deadline),
    system: {
      services: (spec.system?.services ?? []).map((s) => resolveService(s, options.baseDir)),
      attach: (spec.system?.attach ?? []).map((a) => ({ ...a })),
      networks: (spec.system?.networks ?? []).map((n) => ({ name: n.name })),
      hosts: (spec.system?.hosts ?? []).map((h) => ({ name: h.name, networks: [...h.networks] })),
      proxies: (spec.system?.proxies ?? []).map((p) => ({
        name: p.name,
        kind: p.kind ?? 'tcp',
        upstream: p.upstream,
        port: p.port ?? 0,
      })),
      agents: (spec.system?.agents ?? []).map((a) => ({ name: a.name, labels: { ...a.labels } })),
      ...(spec.system?.kubernetes === undefined
        ? {}
        : { kubernetes: resolveKubernetes(spec.system.kubernetes, options.baseDir) }),
    },
    root,
    checks: (spec.checks ?? []).map((c) => resolveCheck(c, loadSteps)),
    ...(spec.metrics?.length ? { metrics: spec.metrics.map(resolveMetric) } : {}),
    ...(spec.monitors?.length ? { monitors: spec.monitors.map(resolveMonitor) } : {}),
    ...(spec.capture === undefined
      ? {}
      : {
          capture: resolveCapture(
            spec.capture,
            (spec.system?.hosts ?? []).map((h) => h.name)
          ),
        }),
    abort: (spec.abort ?? []).map((a, i): AbortCondition => {
      const path = `spec.abort[${i}]`
      if (a.probe !== undefined) {
        return { kind: 'probe', probe: a.probe, path }
      }
      return {
        kind: 'load',
        ...(a.load === undefined
          ? {}
          : { stepId: loadSteps.find((s) => s.name === a.load)?.id ?? a.load }),
        metric: a.metric ?? '',
        threshold: a.threshold ?? '',
        forSeconds: Math.max(1, Math.round(ms(a.for, '1s') / 1000)),
        path,
      }
    }),
  }
}

function resolveCheck(input: CheckInputType, loadSteps: Step[]): Check {
  return {
    id: `check/${input.name}`,
    name: input.name,
    type: input.type,
    ...(!('load' in input) || input.load === undefined
      ? {}
      : { loadStepId: loadSteps.find((s) => s.name === input.load)?.id ?? input.load }),
    params: input,
    drainTimeoutMs: ms(
      input.type === 'queue' ? input.drain?.timeout : undefined,
      DEFAULTS.drainTimeout
    ),
    drainIntervalMs: ms(
      input.type === 'queue' ? input.drain?.interval : undefined,
      DEFAULTS.drainInterval
    ),
    drainQuietMs: ms(input.type === 'queue' ? input.drain?.quiet : undefined, DEFAULTS.drainQuiet),
    readIntervalMs: ms(
      input.type === 'set' ? input.readInterval : undefined,
      DEFAULTS.readInterval
    ),
    settleMs: ms(input.type === 'set' ? input.settle : undefined, DEFAULTS.settle),
  }
}

function resolveStep(
  input: StepInputType,
  id: string,
  manifestPath: string,
  names: ReadonlyMap<string, string>
): Step {
  const base = {
    id,
    name: names.get(id) ?? input.name ?? id,
    path: manifestPath,
    weight: input.weight ?? DEFAULTS.weight,
    probes: (input.probes ?? []).map((p) => resolveProbe(p, id)),
  }
  if (input.fault) {
    return {
      ...base,
      kind: 'fault',
      fault: {
        id,
        type: input.fault.type,
        ...afterOf(input.fault.after),
        durationMs: ms(input.fault.duration, '0s'),
        params: input.fault,
        ...(input.fault.agent === undefined ? {} : { agent: input.fault.agent }),
      },
    }
  }
  if (input.wait !== undefined) {
    return { ...base, kind: 'wait', ms: ms(input.wait, '0s') }
  }
  if (input.load) {
    return {
      ...base,
      kind: 'load',
      load: resolveLoad(input.load),
      ...(input.agent === undefined ? {} : { agent: input.agent }),
    }
  }
  if (input.capacity) {
    return { ...base, kind: 'capacity', capacity: resolveCapacity(input.capacity, id) }
  }
  const kind = input.parallel ? 'parallel' : 'serial'
  const children = (input.parallel ?? input.serial ?? []).map((c, i) =>
    resolveStep(c, `${id}.${i}`, `${manifestPath}.${kind}[${i}]`, names)
  )
  return { ...base, kind, children }
}

/** `after`: fixed, or a range whose low end is the planned start and whose value is drawn. */
function afterOf(text: string | undefined): { afterMs: number; afterRange?: TimingRange } {
  const range = timingOf(text ?? '0s')
  return isFixed(range) ? { afterMs: range.minMs } : { afterMs: range.minMs, afterRange: range }
}

function resolveProbe(input: ProbeInput, stepId: string): Probe {
  const rp = input.runProperties ?? {}
  return {
    id: `${stepId}/${input.name}`,
    name: input.name,
    type: input.type,
    mode: input.mode,
    params: input,
    ...(input.agent === undefined ? {} : { agent: input.agent }),
    run: {
      timeoutMs: ms(rp.timeout, DEFAULTS.probeTimeout),
      intervalMs: ms(rp.interval, DEFAULTS.probeInterval),
      attempts: rp.attempts ?? DEFAULTS.probeAttempts,
      pollingIntervalMs: ms(rp.pollingInterval, DEFAULTS.pollingInterval),
      initialDelayMs: ms(rp.initialDelay, DEFAULTS.initialDelay),
      stopOnFailure: rp.stopOnFailure ?? false,
    },
  }
}

function resolveService(input: ServiceInput, baseDir: string): ServiceSpec {
  const readiness = input.readiness
  const replicas = input.replicas ?? input.hosts?.length ?? DEFAULTS.replicas
  const hosts =
    input.hosts ?? (input.host === undefined ? undefined : Array(replicas).fill(input.host))
  return {
    name: input.name,
    command: input.command,
    args: (input.args ?? []).map(String),
    env: Object.fromEntries(Object.entries(input.env ?? {}).map(([k, v]) => [k, String(v)])),
    cwd: path.resolve(baseDir, input.cwd ?? '.'),
    ...(input.user !== undefined ? { user: input.user } : {}),
    ...(input.group !== undefined ? { group: input.group } : {}),
    replicas,
    ports: { ...input.ports },
    ...(readiness
      ? {
          readiness: {
            kind:
              readiness.http !== undefined ? 'http' : readiness.tcp !== undefined ? 'tcp' : 'cmd',
            target: String(readiness.http ?? readiness.tcp ?? readiness.cmd),
            timeoutMs: ms(readiness.timeout, DEFAULTS.readinessTimeout),
          },
        }
      : {}),
    restart: input.restart ?? DEFAULTS.restart,
    backoff: {
      initialMs: ms(input.backoff?.initial, DEFAULTS.backoffInitial),
      maxMs: ms(input.backoff?.max, DEFAULTS.backoffMax),
    },
    gracePeriodMs: ms(input.gracePeriod, DEFAULTS.gracePeriod),
    ...(hosts === undefined ? {} : { hosts: [...hosts] }),
    ...(input.agent === undefined ? {} : { agent: input.agent }),
    // In PRELOAD_NAMES order whatever the manifest's, without repeats: LD_PRELOAD's order.
    ...(input.preload === undefined || input.preload.length === 0
      ? {}
      : { preload: PRELOAD_NAMES.filter((n) => input.preload!.includes(n)) }),
  }
}

function resolveKubernetes(k: KubernetesSystemInput, baseDir: string): KubernetesSystemSpec {
  return {
    namespace: k.namespace,
    ...(k.context === undefined ? {} : { context: k.context }),
    ...(k.kubeconfig === undefined ? {} : { kubeconfig: path.resolve(baseDir, k.kubeconfig) }),
    deniedNamespaces: deniedNamespacesOf(k, DEFAULT_DENIED_NAMESPACES),
    ...(k.allowNamespaces === undefined ? {} : { allowNamespaces: k.allowNamespaces }),
    maxPodsPerFault: k.maxPodsPerFault ?? DEFAULT_MAX_PODS_PER_FAULT,
  }
}
