/**
 * The resolved experiment: every default applied, durations in milliseconds, ids assigned.
 * This is what the engine runs and what the TypeScript API produces after validation.
 * @module
 */
import type { PreloadName } from '../platforms/local/preload/contract.js'
import type { FaultInput, ProbeInput, CheckInputType } from './schema.js'
import type { TimingRange } from '../shared/timing-range.js'
import type { LoadSpec } from '../load/contract.js'
import type { CapacitySpec } from '../capacity/spec.js'
import type { ProbeMode } from '../probes/common-schema.js'
import type { MetricSpec } from '../metrics/contract.js'
import type { CaptureSpec } from '../capture/contract.js'
import type { MonitorSpec } from '../monitors/spec.js'
import type { MonitorDef } from '../monitors/contract.js'
import type { Observation } from '../monitors/observation.js'
import type { ScriptFunction } from './script-types.js'

export interface Experiment {
  name: string
  description?: string
  hypothesis: string
  /** The manifest file, when loaded from one. */
  file?: string
  /** Relative paths (service cwd, disk-fill path) resolve against this directory. */
  baseDir: string
  deadlineMs: number
  system: SystemSpec
  /** The top-level serial group; its probes are the manifest's `spec.probes`. */
  root: Step
  /** Checks over the history, evaluated after the steps while the system still runs. */
  checks: Check[]
  abort: AbortCondition[]
  /** `spec.metrics`: sampled from system ready to the end of the steps; absent = none. */
  metrics?: MetricSpec[]
  /** `spec.capture`: pcap files per host from system ready to the end of the steps. */
  capture?: CaptureSpec
  /** `spec.monitors`: fed from system ready to the end of the steps; absent = none. */
  monitors?: MonitorSpec[]
  /**
   * Monitors written in code (`monitor(...)`): a TypeScript module's `export const monitors`,
   * or `chaos.run(experiment, { monitors })`. Fed, journaled and judged as `monitors` are.
   */
  codeMonitors?: MonitorDef<Observation>[]
}

export type AbortCondition =
  | {
      kind: 'load'
      /** Load step id; undefined = any load. */
      stepId?: string
      metric: string
      threshold: string
      forSeconds: number
      /** `spec.abort[0]`, for messages. */
      path: string
    }
  | { kind: 'probe'; probe: string; path: string }

export interface Check {
  /** Unique in the run: `check/<name>`. */
  id: string
  name: string
  type: CheckInputType['type']
  /** The load step id whose history is checked; undefined = every load. */
  loadStepId?: string
  params: CheckInputType
  drainTimeoutMs: number
  drainIntervalMs: number
  drainQuietMs: number
  readIntervalMs: number
  settleMs: number
}

export interface SystemSpec {
  services: ServiceSpec[]
  attach: AttachSpec[]
  /** Bridges joining hosts; empty when the system has no hosts. */
  networks: NetworkSpec[]
  /** Network namespaces services may be placed on. */
  hosts: HostSpec[]
  /** Proxies started before the services (`{{proxies.NAME.port}}`); empty when none. */
  proxies?: ProxySpec[]
  /**
   * Logical hosts of a multi-host experiment (issue 14 item 5): each is mapped onto a real
   * agent when the run is placed (`--agent a=edge-1`). Empty (the default) = a one-host run.
   */
  agents?: SystemAgent[]
  /** A Kubernetes cluster whose workloads faults and probes act on (issue 15); absent = none. */
  kubernetes?: KubernetesSystemSpec
}

export interface KubernetesSystemSpec {
  /** The namespace faults and probes act in unless they name another. */
  namespace: string
  /** kubeconfig context; absent = the kubeconfig's current one (or `--context`). */
  context?: string
  /** Absolute path (resolved against the manifest); --kubeconfig wins over it; absent = $KUBECONFIG, ~/.kube/config, in-cluster. */
  kubeconfig?: string
  /** Every namespace refused: the default deny list plus `denyNamespaces`, minus `allowNamespaces`. */
  deniedNamespaces: string[]
  /** The manifest's `allowNamespaces` as written (an untrusted run refuses it: kubernetes-system.ts). */
  allowNamespaces?: string[]
  maxPodsPerFault: number
}

export interface SystemAgent {
  /** Logical name, referenced by `agent:` on services, probes, faults and load steps. */
  name: string
  /** Labels a placement by labels would ask for (documentation only in this version). */
  labels: Record<string, string>
}

export interface ProxySpec {
  name: string
  kind: 'tcp' | 'http'
  /** `host:port`, may hold service templates; rendered once ports are assigned. */
  upstream: string
  /** 0 = a free port. */
  port: number
}

export interface NetworkSpec {
  name: string
}

export interface HostSpec {
  name: string
  /** Names of the networks it joins, in order: its interfaces are eth0, eth1, ... */
  networks: string[]
}

export type RestartPolicy = 'always' | 'on-failure' | 'never'

export interface ServiceSpec {
  name: string
  command: string
  /** Templates: `{{replica}}`, `{{ports.NAME}}`, `{{dataDir}}`, `{{name}}`. */
  args: string[]
  env: Record<string, string>
  cwd: string
  replicas: number
  /** Base port per name; 0 means a free port is picked for each replica at launch. */
  ports: Record<string, number>
  readiness?: Readiness
  restart: RestartPolicy
  backoff: { initialMs: number; maxMs: number }
  gracePeriodMs: number
  /** Host of each replica (index i → hosts[i]); empty = the root namespace, as before. */
  hosts?: string[]
  /** Runs as this user / group instead of the run user (its data dir is chowned to it). */
  user?: string
  group?: string
  /** Multi-host: the logical agent (spec.system.agents) this service runs on. */
  agent?: string
  /** Shared objects put in LD_PRELOAD (libfiu, libfaketime) for the faults that act through them. */
  preload?: PreloadName[]
}

export interface Readiness {
  kind: 'http' | 'tcp' | 'cmd'
  /** URL, `host:port` or shell command; may hold the same templates as args. */
  target: string
  timeoutMs: number
}

export interface AttachSpec {
  name: string
  pid?: number
  match?: string
  port?: number
}

export interface RunProperties {
  timeoutMs: number
  intervalMs: number
  attempts: number
  pollingIntervalMs: number
  initialDelayMs: number
  stopOnFailure: boolean
}

export interface Probe {
  /** Unique in the run: `<stepId>/<name>`. */
  id: string
  name: string
  type: string
  mode: ProbeMode
  run: RunProperties
  /** The validated manifest object, passed to the driver as is. */
  params: ProbeInput
  /** Multi-host: the logical agent the probe runs from (required when agents are declared). */
  agent?: string
}

export interface Fault {
  /** Unique in the run; the step's id. */
  id: string
  type: string
  /** The wait before injecting; with `afterRange`, the range's low end (the earliest start). */
  afterMs: number
  /**
   * `after: 5s..15s` (or `10s±2s`): the wait is drawn from this range (ends included) each time
   * the fault is injected, from the run's seed (engine/timing-draw.ts). Absent: `afterMs` holds.
   */
  afterRange?: TimingRange
  durationMs: number
  params: FaultInput
  /**
   * Multi-host: the logical agent that carries the fault out. Unset: the agent of its target
   * service; a network-partition naming `agent:X` groups is carried out by every agent named.
   */
  agent?: string
}

interface StepBase {
  /** `run`, `run.0`, `run.1.2`: stable, derived from position. */
  id: string
  name: string
  /** Where it came from in the manifest, e.g. `spec.steps[1]`. */
  path: string
  weight: number
  probes: Probe[]
}

export type Step =
  | (StepBase & { kind: 'fault'; fault: Fault })
  | (StepBase & { kind: 'wait'; ms: number })
  /** `agent`: multi-host, the logical agent the load runs from (required when agents are declared). */
  | (StepBase & { kind: 'load'; load: LoadSpec; agent?: string })
  /** A capacity search (issue 17), optionally again under its fault. */
  | (StepBase & { kind: 'capacity'; capacity: CapacitySpec })
  | (StepBase & { kind: 'serial' | 'parallel'; children: Step[] })
  /**
   * An imperative step of the TypeScript form (issue 19): an async function whose faults go
   * through the fault step's code path (engine/script-step.ts). Never in a YAML manifest.
   */
  | (StepBase & { kind: 'script'; script: ScriptFunction })

/** Visits a step and all its descendants, parents first. */
export function* walkSteps(step: Step): Generator<Step> {
  yield step
  if (step.kind === 'serial' || step.kind === 'parallel') {
    for (const child of step.children) {
      yield* walkSteps(child)
    }
  }
}
