/**
 * The experiment manifest schema: one source for validation, TypeScript input types and the
 * JSON Schema that `ordeal schema` prints for editors.
 * @module
 */
import { PRELOAD_NAMES } from '../platforms/local/preload/contract.js'
import { z } from 'zod'
import { NAME_PATTERN } from '../shared/names.js'
import { duration, logicalAgent, strictObject } from './schema-parts.js'
import { faultSchemas, FAULT_TYPES } from '../faults/schemas.js'
import { probeSchemas, PROBE_TYPES } from '../probes/schemas.js'
import { didYouMean } from './did-you-mean.js'
import { loadSchema, type LoadInput } from '../load/schema.js'
import { capacitySchema, type CapacityInput } from '../capacity/schema.js'
import { checkSchemas, CHECK_TYPES } from '../checks/schema.js'
import { metricSchema } from '../metrics/schema.js'
import { captureSchema } from '../capture/schema.js'
import { DEFAULTS } from './defaults.js'
import { kubernetesSystemSchema } from './kubernetes-schema.js'
import { scheduleSchema } from './schedule-schema.js'
import { triggerSchema } from './trigger-schema.js'
import { monitorsSchema } from '../monitors/schema.js'

export const API_VERSION = 'ordeal.dev/v1'

const name = () =>
  z.string({ error: 'must be a name' }).regex(NAME_PATTERN, {
    error: 'must be lowercase letters, digits and dashes (like a Kubernetes name)',
  })

/** A fault: `type` picks the driver; each driver validates its own params. */
export const faultSchema = z.discriminatedUnion('type', faultSchemas, {
  error: (issue) =>
    issue.code === 'invalid_union' && issue.input && typeof issue.input === 'object'
      ? unknownType('fault', (issue.input as { type?: unknown }).type, FAULT_TYPES)
      : 'must be a fault with a type',
})

export const probeSchemaUnion = z.discriminatedUnion('type', probeSchemas, {
  error: (issue) =>
    issue.code === 'invalid_union' && issue.input && typeof issue.input === 'object'
      ? unknownType('probe', (issue.input as { type?: unknown }).type, PROBE_TYPES)
      : 'must be a probe with a type',
})

function unknownType(kind: string, type: unknown, known: readonly string[]): string {
  if (type === undefined) {
    return `needs a 'type' (one of ${known.join(', ')})`
  }
  return `unknown ${kind} type '${String(type)}'${didYouMean(String(type), known)}; known: ${known.join(', ')}`
}

const readinessSchema = strictObject({
  http: z
    .string()
    .optional()
    .meta({
      description: 'Ready when this URL answers 2xx or 3xx.',
      examples: ['http://127.0.0.1:{{ports.http}}/health'],
    }),
  tcp: z
    .union([z.string(), z.number().int()])
    .optional()
    .meta({
      description: 'Ready when this `host:port` (or port on 127.0.0.1) accepts a TCP connection.',
      examples: ['{{ports.pg}}'],
    }),
  cmd: z.string().optional().describe('Ready when this shell command exits 0.'),
  timeout: duration().optional().meta({
    description: 'The run fails to start (exit 3) if the service is not ready by then.',
    default: DEFAULTS.readinessTimeout,
  }),
})
  .describe(
    "When a replica counts as started: exactly one of 'http', 'tcp' or 'cmd', polled until it passes."
  )
  .superRefine((r, ctx) => {
    const kinds = [r.http, r.tcp, r.cmd].filter((v) => v !== undefined).length
    if (kinds !== 1) {
      ctx.addIssue({ code: 'custom', message: "needs exactly one of 'http', 'tcp' or 'cmd'" })
    }
  })

/** A user or group name as useradd accepts it, or a number. */
function accountName(what: string) {
  return z
    .string({ error: `must be a ${what} name` })
    .regex(/^([a-z_][a-z0-9_.-]{0,31}\$?|\d+)$/i, {
      error: `must be a ${what} name (letters, digits, '_', '-', '.') or a number`,
    })
}

export const serviceSchema = strictObject({
  name: name().describe(
    'Unique service name; faults target it (`target.service`) and templates read it (`{{services.NAME.ports.PORT}}`).'
  ),
  command: z
    .string({ error: 'must be the program to run' })
    .min(1)
    .meta({
      description: 'The program to run (looked up on PATH), without a shell.',
      examples: ['python3'],
    }),
  args: z
    .array(z.union([z.string(), z.number()]), { error: 'must be a list of arguments' })
    .optional()
    .meta({
      description:
        "The program's arguments; templates such as `{{ports.http}}` are filled per replica.",
      examples: [['-m', 'http.server', '{{ports.http}}']],
    }),
  env: z
    .record(z.string(), z.union([z.string(), z.number()]), { error: 'must be a map of strings' })
    .optional()
    .describe("Environment variables added to the service's environment (templates allowed)."),
  cwd: z
    .string()
    .optional()
    .describe(
      "Working directory, relative to the manifest's directory (default: the manifest's directory)."
    ),
  replicas: z
    .number({ error: 'must be a number' })
    .int()
    .min(1, { error: 'must be at least 1' })
    .max(64, { error: 'must be at most 64' })
    .optional()
    .meta({
      description:
        'How many copies of the process to run (1-64); with `hosts`, the number of hosts.',
      default: DEFAULTS.replicas,
    }),
  ports: z
    .record(z.string(), z.number().int().min(0).max(65535), {
      error: 'must be a map of names to port numbers',
    })
    .optional()
    .meta({
      description:
        'Named ports: replica i gets `base + i`, or a free port each when the base is 0. Read them as `{{ports.NAME}}` in the service and `{{services.SERVICE.ports.NAME}}` elsewhere.',
      examples: [{ http: 0 }],
    }),
  readiness: readinessSchema.optional(),
  restart: z
    .enum(['always', 'on-failure', 'never'], {
      error: "must be one of 'always', 'on-failure', 'never'",
    })
    .optional()
    .meta({
      description:
        'When the supervisor re-creates a replica that exited on its own: always, on-failure (a non-zero exit code or a signal), or never. Repeated exits right after spawning, before the replica was ever ready, fail the start at once with its last output.',
      default: DEFAULTS.restart,
    }),
  backoff: strictObject({
    initial: duration().optional().meta({
      description:
        'Wait before the first restart; it doubles at each restart up to `max`, and starts over once a replica has kept running for a while.',
      default: DEFAULTS.backoffInitial,
    }),
    max: duration()
      .optional()
      .meta({ description: 'The longest wait between restarts.', default: DEFAULTS.backoffMax }),
  })
    .optional()
    .describe('Exponential backoff between restarts.'),
  gracePeriod: duration().optional().meta({
    description: 'Time between SIGTERM and SIGKILL at teardown.',
    default: DEFAULTS.gracePeriod,
  }),
  user: accountName('user')
    .optional()
    .meta({
      description:
        "Run the service's processes as this user (a name or uid) instead of the run user, e.g. `postgres`, which refuses to run as root; its data dir is owned by that user. Needs ordeal to run as root.",
      examples: ['postgres'],
    }),
  group: accountName('group')
    .optional()
    .describe(
      "Primary group of the service's processes, a name or gid (default: the user's own group)."
    ),
  preload: z
    .array(
      z.enum(PRELOAD_NAMES, {
        error: `must be one of ${PRELOAD_NAMES.map((n) => `'${n}'`).join(', ')}`,
      }),
      {
        error: 'must be a list of preload names',
      }
    )
    .optional()
    .meta({
      description:
        "Shared objects put in the service's LD_PRELOAD so that faults act inside it at run time: `libfiu` for `syscall-error`, `libfaketime` for `clock-skew`. Without it those faults refuse the service. Dynamically linked programs only (not static Go binaries).",
      examples: [['libfiu', 'libfaketime']],
    }),
  host: name()
    .optional()
    .describe(
      "Run every replica on this host (a network namespace from spec.system.hosts; needs root). One of 'host' or 'hosts'."
    ),
  hosts: z
    .array(name(), { error: 'must be a list of host names' })
    .min(1)
    .optional()
    .describe(
      "Replica i runs on hosts[i] (needs root); `replicas` defaults to the number of hosts. One of 'host' or 'hosts'."
    ),
  agent: logicalAgent()
    .optional()
    .meta({
      description:
        'Multi-host: the logical agent of spec.system.agents this service runs on (required when agents are declared). Other hosts reach it at `{{services.NAME.host}}:{{services.NAME.ports.PORT}}`.',
      examples: ['a'],
    }),
})
  .describe(
    'A process ordeal launches, supervises (restarting it per `restart`) and stops at the end of the run.'
  )
  .superRefine((s, ctx) => {
    if (s.host !== undefined && s.hosts !== undefined) {
      ctx.addIssue({ code: 'custom', message: "has both 'host' and 'hosts'; use one" })
    }
  })

export const systemAgentSchema = strictObject({
  name: logicalAgent().meta({
    description:
      'Unique logical host name; services, probes, load steps and faults name it in `agent:`, partitions in `agent:NAME`. Mapped onto a real agent when the run is placed (`--agent a=edge-1`).',
    examples: ['a'],
  }),
  labels: z
    .record(z.string(), z.string(), { error: 'must be a map of label keys to values' })
    .optional()
    .meta({
      description: 'Labels an agent for this host should carry (documentation in this version).',
      examples: [{ zone: 'eu' }],
    }),
}).describe(
  'A logical host of a multi-host experiment: one agent runs its part (its services, faults, probes and loads).'
)

export const networkSchema = strictObject({
  name: name().describe('Unique network name; hosts join it by this name.'),
}).describe('A network: a Linux bridge joining hosts, with a /24 from 198.18.0.0/15 (needs root).')

export const hostSchema = strictObject({
  name: name().describe(
    'Unique host name; services run on it (`host`), network faults act on it, templates read `{{hosts.NAME.address}}`.'
  ),
  networks: z
    .array(name(), { error: 'must be a list of network names' })
    .min(1, { error: 'needs at least one network' })
    .describe('The spec.system.networks this host joins, with one address on each.'),
}).describe('A host: a network namespace of its own (needs root).')

export const attachSchema = strictObject({
  name: name().describe('Unique name; faults target it with `target.attach`.'),
  pid: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("The process with this pid. One of 'pid', 'match' or 'port'."),
  match: z
    .string()
    .optional()
    .meta({
      description:
        "A regular expression matched against each process's full command line; every match is a candidate and the fault's `target.mode` picks among them (ordeal's own processes are skipped). One of 'pid', 'match' or 'port'.",
      examples: ['http\\.server 8000'],
    }),
  port: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .optional()
    .meta({
      description: "The process(es) listening on this TCP port. One of 'pid', 'match' or 'port'.",
      examples: [8000],
    }),
})
  .describe(
    'A running process ordeal did not start; faults reach it only when a step names it in `target.attach`. Found again at each fault, so a restarted process is found under its new pid.'
  )
  .superRefine((a, ctx) => {
    const kinds = [a.pid, a.match, a.port].filter((v) => v !== undefined).length
    if (kinds !== 1) {
      ctx.addIssue({ code: 'custom', message: "needs exactly one of 'pid', 'match' or 'port'" })
    }
  })

export const proxySchema = strictObject({
  name: name().describe(
    'Unique proxy name; clients reach it at `{{proxies.NAME.port}}`, proxy faults name it in `proxy`.'
  ),
  kind: z.enum(['tcp', 'http'], { error: "must be 'tcp' or 'http'" }).optional().meta({
    description:
      '`tcp`: a Toxiproxy-compatible proxy for proxy-toxic; `http`: an HTTP proxy for http-fault. Both take proxy-down.',
    default: 'tcp',
  }),
  upstream: z
    .string({ error: 'must be host:port' })
    .min(1)
    .meta({
      description:
        '`host:port` the proxy forwards to: your own service, or a launched one through a template.',
      examples: ['127.0.0.1:8000', '127.0.0.1:{{services.db.ports.pg}}'],
    }),
  port: z
    .number({ error: 'must be a port number' })
    .int()
    .min(0)
    .max(65535)
    .optional()
    .meta({ description: 'Port to listen on (on 127.0.0.1); 0 picks a free one.', default: 0 }),
}).describe(
  'A proxy the run starts before the services, in front of an upstream; proxy faults (proxy-toxic, proxy-down, http-fault) act on it.'
)

export const checkSchemaUnion = z.discriminatedUnion('type', checkSchemas, {
  error: (issue) =>
    issue.code === 'invalid_union' && issue.input && typeof issue.input === 'object'
      ? unknownType('check', (issue.input as { type?: unknown }).type, CHECK_TYPES)
      : 'must be a check with a type',
})

type StepInput = {
  name?: string
  fault?: z.input<typeof faultSchema>
  load?: LoadInput
  capacity?: CapacityInput
  agent?: string
  wait?: string
  serial?: StepInput[]
  parallel?: StepInput[]
  probes?: z.input<typeof probeSchemaUnion>[]
  weight?: number
}

export const stepSchema: z.ZodType<StepInput, StepInput> = z.lazy(() =>
  strictObject({
    name: name()
      .optional()
      .describe(
        'The step\'s name in every report, reason and metric label (unique in the experiment). Without one, ordeal names the step after what it does, e.g. "process-kill of api"; a load step needs one for checks and abort conditions to name it.'
      ),
    fault: faultSchema.optional().describe('Inject this fault; `type` picks the driver.'),
    load: loadSchema.optional(),
    capacity: capacitySchema(faultSchema).optional(),
    agent: logicalAgent()
      .optional()
      .meta({
        description:
          'Multi-host, on a load step: the logical agent of spec.system.agents the load runs from (required when agents are declared).',
        examples: ['a'],
      }),
    wait: duration()
      .optional()
      .meta({ description: 'Do nothing for this long.', examples: ['10s'] }),
    serial: z
      .array(stepSchema, { error: 'must be a list of steps' })
      .optional()
      .describe('Run these steps one after another.'),
    parallel: z
      .array(stepSchema, { error: 'must be a list of steps' })
      .optional()
      .describe('Run these steps at the same time; the step ends when all have ended.'),
    probes: z
      .array(probeSchemaUnion, { error: 'must be a list of probes' })
      .optional()
      .describe("Probes over this step's lifetime; they decide the step's score."),
    weight: z
      .number({ error: 'must be a number' })
      .min(0, { error: 'must be 0 or more' })
      .optional()
      .meta({
        description:
          "The step's weight in the resilience score (a weighted mean of per-step probe pass rates).",
        default: DEFAULTS.weight,
      }),
  })
    .describe(
      "A step of the timeline: exactly one of 'fault', 'load', 'capacity', 'wait', 'serial' or 'parallel', with optional probes and weight."
    )
    .superRefine((s, ctx) => {
      const kinds = (['fault', 'load', 'capacity', 'wait', 'serial', 'parallel'] as const).filter(
        (k) => s[k] !== undefined
      )
      if (kinds.length !== 1) {
        ctx.addIssue({
          code: 'custom',
          message:
            kinds.length === 0
              ? "needs one of 'fault', 'load', 'capacity', 'wait', 'serial' or 'parallel'"
              : `has both '${kinds[0]}' and '${kinds[1]}'; a step is exactly one kind`,
        })
      }
    })
)

export const abortConditionSchema = strictObject({
  load: z
    .string()
    .optional()
    .describe('The load step (by name) whose metrics are watched (default: any load).'),
  metric: z
    .string()
    .optional()
    .meta({
      description: 'A load metric, as in load thresholds (with `threshold`).',
      examples: ['http_req_failed', 'http_req_duration'],
    }),
  threshold: z
    .string()
    .optional()
    .meta({
      description: 'What must hold, in k6 grammar; the run aborts when it does not.',
      examples: ['rate<0.5', 'p(99)<2000'],
    }),
  for: duration().optional().meta({
    description: 'How long the threshold must keep failing, in whole seconds of load.',
    default: '1s',
  }),
  probe: z
    .string()
    .optional()
    .describe(
      "Abort as soon as the probe with this name fails (instead of 'metric' and 'threshold')."
    ),
})
  .describe(
    "One abort condition: a k6 threshold over a load's per-second metrics that fails in every second for `for` (`http_req_failed: rate<0.5` for 10s = more than half failing for 10 s), or a `probe` that fails."
  )
  .superRefine((a, ctx) => {
    const onLoad = a.metric !== undefined || a.threshold !== undefined
    if (onLoad === (a.probe !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: "needs either 'metric' and 'threshold' (a load condition) or 'probe'",
      })
    } else if (onLoad && (a.metric === undefined || a.threshold === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: "a load condition needs both 'metric' and 'threshold'",
      })
    }
  })

export const experimentSchema = strictObject({
  apiVersion: z
    .literal(API_VERSION, { error: `must be '${API_VERSION}'` })
    .describe(`The manifest format version: always '${API_VERSION}'.`),
  kind: z.literal('Experiment', { error: "must be 'Experiment'" }).describe("Always 'Experiment'."),
  metadata: strictObject({
    name: name().meta({
      description:
        "The experiment's name: lowercase letters, digits and dashes (like a Kubernetes name).",
      examples: ['checkout-latency'],
    }),
    description: z.string().optional().describe('Free text about the experiment.'),
    labels: z
      .record(z.string(), z.string())
      .optional()
      .meta({
        description: 'Key-value labels kept with the experiment, e.g. the owning team.',
        examples: [{ team: 'payments' }],
      }),
  }).describe('Who the experiment is: its name, description and labels.'),
  spec: strictObject({
    hypothesis: z
      .string({ error: 'must be a sentence stating the hypothesis' })
      .min(1)
      .meta({
        description: 'The steady-state claim this experiment tries to disprove.',
        examples: ['At 50 requests/s, p99 stays under 500 ms while a replica is killed'],
      }),
    deadline: duration().optional().meta({
      description: 'The whole run is aborted (every fault rolled back) past this.',
      default: DEFAULTS.deadline,
    }),
    system: strictObject({
      services: z
        .array(serviceSchema, { error: 'must be a list of services' })
        .optional()
        .describe('Processes ordeal launches, supervises and stops at the end of the run.'),
      attach: z
        .array(attachSchema, { error: 'must be a list of attach targets' })
        .optional()
        .describe('Processes you already run, found by pid, command line or port.'),
      networks: z
        .array(networkSchema, { error: 'must be a list of networks' })
        .optional()
        .describe('Networks joining hosts (Linux bridges; needs root).'),
      hosts: z
        .array(hostSchema, { error: 'must be a list of hosts' })
        .optional()
        .describe('Hosts services run on (network namespaces; needs root).'),
      proxies: z
        .array(proxySchema, { error: 'must be a list of proxies' })
        .optional()
        .describe(
          'Proxies the run starts before the services; point clients at `{{proxies.NAME.port}}` to put proxy faults between them and the upstream.'
        ),
      kubernetes: kubernetesSystemSchema.optional(),
      agents: z
        .array(systemAgentSchema, { error: 'must be a list of logical agents' })
        .min(1, { error: 'needs at least one agent' })
        .optional()
        .describe(
          'Multi-host: the logical hosts this experiment runs on, each placed on a real agent (`ordeal run --server URL --agent a=edge-1 --agent b=edge-2`). Every service, probe and load step then names its `agent`.'
        ),
    })
      .optional()
      .describe('What ordeal launches or attaches to.'),
    probes: z
      .array(probeSchemaUnion, { error: 'must be a list of probes' })
      .optional()
      .describe('Probes over the whole run (SOT = before the first step, EOT = after the last).'),
    metrics: z
      .array(metricSchema, { error: 'must be a list of metrics' })
      .optional()
      .describe(
        'Series sampled every `interval` from system ready to the end of the steps (a queue depth, a consumer rate), journaled and judged by `backlog` and `recovery` checks.'
      ),
    capture: captureSchema.optional(),
    steps: z
      .array(stepSchema, { error: 'must be a list of steps' })
      .min(1, { error: 'needs at least one step' })
      .describe('The timeline, run in order: faults, loads, waits and serial / parallel groups.'),
    monitors: monitorsSchema,
    checks: z
      .array(checkSchemaUnion, { error: 'must be a list of checks' })
      .optional()
      .describe(
        'Verdicts evaluated after the steps: over the recorded load history (nothing lost) or over a metric series (the backlog drains, the rate recovers).'
      ),
    abort: z
      .array(abortConditionSchema, { error: 'must be a list of abort conditions' })
      .optional()
      .describe(
        'Stop conditions: when one trips, every fault is rolled back and the run ends `fail` with the condition as its reason (like AWS FIS stop conditions).'
      ),
    schedules: z
      .array(scheduleSchema, { error: 'must be a list of schedules' })
      .optional()
      .describe(
        'When the Chaos Center runs this experiment by itself (cron, time zone, jitter, concurrency, excluded windows); `ordeal run` ignores them.'
      ),
    triggers: z
      .array(triggerSchema, { error: 'must be a list of triggers' })
      .optional()
      .describe(
        'Events that make the Chaos Center run this experiment (webhooks, Argo CD, Flux, GitHub deployments, changed Kubernetes workloads); `ordeal run` ignores them.'
      ),
  }).describe('What the experiment does: hypothesis, system, steps, probes, checks.'),
})

export type ExperimentInput = z.input<typeof experimentSchema>
export type StepInputType = StepInput
export type FaultInput = z.input<typeof faultSchema>
export type ProbeInput = z.input<typeof probeSchemaUnion>
export type CheckInputType = z.input<typeof checkSchemaUnion>
export type { MetricInput } from '../metrics/schema.js'
export type AbortConditionInput = z.input<typeof abortConditionSchema>
export type ServiceInput = z.input<typeof serviceSchema>
export type AttachInput = z.input<typeof attachSchema>
export type NetworkInput = z.input<typeof networkSchema>
export type HostInput = z.input<typeof hostSchema>
export type ProxyInput = z.input<typeof proxySchema>
export type SystemAgentInput = z.input<typeof systemAgentSchema>
