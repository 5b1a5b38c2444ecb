/**
 * The experiment manifest schema: one source for validation, TypeScript input types and the
 * JSON Schema that `ordeal schema` prints for editors.
 * @module
 */
import { z } from 'zod'
import { NAME_PATTERN } from '../shared/names.js'
import { duration, strictObject } from './schema-parts.js'
import { faultSchemas, FAULT_TYPES } from '../faults/schemas.js'
import { probeSchemas, PROBE_TYPES } from '../probes/schemas.js'
import { didYouMean } from './did-you-mean.js'
import { loadSchema, type LoadInput } from '../load/schema.js'
import { checkSchemas, CHECK_TYPES } from '../checks/schema.js'

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
  /** An HTTP URL that must answer 2xx/3xx. */
  http: z.string().optional(),
  /** `host:port` (or a port) that must accept a TCP connection. */
  tcp: z.union([z.string(), z.number().int()]).optional(),
  /** A shell command that must exit 0. */
  cmd: z.string().optional(),
  /** @default '30s' */
  timeout: duration().optional(),
}).superRefine((r, ctx) => {
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
  name: name(),
  command: z.string({ error: 'must be the program to run' }).min(1),
  args: z
    .array(z.union([z.string(), z.number()]), { error: 'must be a list of arguments' })
    .optional(),
  env: z
    .record(z.string(), z.union([z.string(), z.number()]), { error: 'must be a map of strings' })
    .optional(),
  cwd: z.string().optional(),
  /** @default 1 */
  replicas: z
    .number({ error: 'must be a number' })
    .int()
    .min(1, { error: 'must be at least 1' })
    .max(64, { error: 'must be at most 64' })
    .optional(),
  /** Named ports; replica i gets `base + i`, or a free port each when the base is 0. */
  ports: z
    .record(z.string(), z.number().int().min(0).max(65535), {
      error: 'must be a map of names to port numbers',
    })
    .optional(),
  readiness: readinessSchema.optional(),
  /** @default 'always' */
  restart: z
    .enum(['always', 'on-failure', 'never'], {
      error: "must be one of 'always', 'on-failure', 'never'",
    })
    .optional(),
  backoff: strictObject({
    /** @default '100ms' */
    initial: duration().optional(),
    /** @default '5s' */
    max: duration().optional(),
  }).optional(),
  /** Time between SIGTERM and SIGKILL at teardown. @default '5s' */
  gracePeriod: duration().optional(),
  /**
   * Run the service's processes as this user (a name or uid) instead of the run user, e.g.
   * `postgres`, which refuses to run as root. Its data dir is owned by that user. Needs ordeal
   * to run as root.
   */
  user: accountName('user').optional(),
  /** Primary group of the service's processes (a name or gid). @default the user's own group */
  group: accountName('group').optional(),
  /** Run every replica on this host (a network namespace from spec.system.hosts). */
  host: name().optional(),
  /** Replica i runs on hosts[i]; `replicas` defaults to the number of hosts. */
  hosts: z.array(name(), { error: 'must be a list of host names' }).min(1).optional(),
}).superRefine((s, ctx) => {
  if (s.host !== undefined && s.hosts !== undefined) {
    ctx.addIssue({ code: 'custom', message: "has both 'host' and 'hosts'; use one" })
  }
})

/** A network: one bridge, with a /24 from 198.18.0.0/15 picked per run. */
export const networkSchema = strictObject({ name: name() })

/** A host: a network namespace of its own, with one address on each network it joins. */
export const hostSchema = strictObject({
  name: name(),
  networks: z
    .array(name(), { error: 'must be a list of network names' })
    .min(1, { error: 'needs at least one network' }),
})

/** A process ordeal did not start; faults reach it only when a step names it explicitly. */
export const attachSchema = strictObject({
  name: name(),
  pid: z.number().int().positive().optional(),
  /** A regular expression matched against the full command line. */
  match: z.string().optional(),
  /** The TCP port the process listens on. */
  port: z.number().int().min(1).max(65535).optional(),
}).superRefine((a, ctx) => {
  const kinds = [a.pid, a.match, a.port].filter((v) => v !== undefined).length
  if (kinds !== 1) {
    ctx.addIssue({ code: 'custom', message: "needs exactly one of 'pid', 'match' or 'port'" })
  }
})

/**
 * A proxy the run starts in front of an upstream, before the services; clients reach it at
 * `{{proxies.NAME.port}}`. Proxy faults (proxy-toxic, proxy-down, http-fault) act on it.
 */
export const proxySchema = strictObject({
  name: name(),
  /** `tcp`: a Toxiproxy-style proxy with toxics; `http`: an L7 proxy for http-fault. @default 'tcp' */
  kind: z.enum(['tcp', 'http'], { error: "must be 'tcp' or 'http'" }).optional(),
  /** `host:port` of the upstream; may use templates such as `127.0.0.1:{{services.db.ports.pg}}`. */
  upstream: z.string({ error: 'must be host:port' }).min(1),
  /** Port to listen on (127.0.0.1); 0 picks a free one. @default 0 */
  port: z.number({ error: 'must be a port number' }).int().min(0).max(65535).optional(),
})

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
  wait?: string
  serial?: StepInput[]
  parallel?: StepInput[]
  probes?: z.input<typeof probeSchemaUnion>[]
  weight?: number
}

/** A step: exactly one of fault / wait / serial / parallel, with optional probes and weight. */
export const stepSchema: z.ZodType<StepInput, StepInput> = z.lazy(() =>
  strictObject({
    name: name()
      .describe(
        'The step\'s name in every report, reason and metric label (unique in the experiment). Without one, ordeal names the step after what it does, e.g. "process-kill of api".'
      )
      .optional(),
    fault: faultSchema.optional(),
    load: loadSchema.optional(),
    wait: duration().optional(),
    serial: z.array(stepSchema, { error: 'must be a list of steps' }).optional(),
    parallel: z.array(stepSchema, { error: 'must be a list of steps' }).optional(),
    probes: z.array(probeSchemaUnion, { error: 'must be a list of probes' }).optional(),
    /** @default 10 */
    weight: z
      .number({ error: 'must be a number' })
      .min(0, { error: 'must be 0 or more' })
      .optional(),
  }).superRefine((s, ctx) => {
    const kinds = (['fault', 'load', 'wait', 'serial', 'parallel'] as const).filter(
      (k) => s[k] !== undefined
    )
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          kinds.length === 0
            ? "needs one of 'fault', 'load', 'wait', 'serial' or 'parallel'"
            : `has both '${kinds[0]}' and '${kinds[1]}'; a step is exactly one kind`,
      })
    }
  })
)

/**
 * One abort condition: a k6 threshold over a load's per-second metrics that fails in every
 * second for `for` (`http_req_failed: rate<0.5` for 10 s = more than half failing for 10 s),
 * or a probe that fails.
 */
export const abortConditionSchema = strictObject({
  /** The load step (by name) whose metrics are watched; default: any load. */
  load: z.string().optional(),
  metric: z.string().optional(),
  /** What must hold, in k6 grammar, e.g. `rate<0.5`; the run aborts when it does not. */
  threshold: z.string().optional(),
  /** How long it must keep failing, in whole seconds of load. @default '1s' */
  for: duration().optional(),
  /** Abort as soon as the probe with this name fails. */
  probe: z.string().optional(),
}).superRefine((a, ctx) => {
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
  apiVersion: z.literal(API_VERSION, { error: `must be '${API_VERSION}'` }),
  kind: z.literal('Experiment', { error: "must be 'Experiment'" }),
  metadata: strictObject({
    name: name(),
    description: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  spec: strictObject({
    /** The steady-state claim this experiment tries to disprove. */
    hypothesis: z.string({ error: 'must be a sentence stating the hypothesis' }).min(1),
    /** The whole run is aborted (and rolled back) past this. @default '10m' */
    deadline: duration().optional(),
    system: strictObject({
      services: z.array(serviceSchema, { error: 'must be a list of services' }).optional(),
      attach: z.array(attachSchema, { error: 'must be a list of attach targets' }).optional(),
      /** Networks joining hosts (Linux bridges; needs root). */
      networks: z.array(networkSchema, { error: 'must be a list of networks' }).optional(),
      /** Hosts services run on (network namespaces; needs root). */
      hosts: z.array(hostSchema, { error: 'must be a list of hosts' }).optional(),
      /** Proxies the run starts before the services and routes their traffic through. */
      proxies: z.array(proxySchema, { error: 'must be a list of proxies' }).optional(),
    }).optional(),
    /** Probes over the whole run (Pre = before the first step, Post = after the last). */
    probes: z.array(probeSchemaUnion, { error: 'must be a list of probes' }).optional(),
    steps: z
      .array(stepSchema, { error: 'must be a list of steps' })
      .min(1, { error: 'needs at least one step' }),
    /** Verdicts over the recorded history, evaluated after the steps (e.g. nothing lost). */
    checks: z.array(checkSchemaUnion, { error: 'must be a list of checks' }).optional(),
    /**
     * Stop conditions: when one trips, every fault is rolled back and the run ends `fail`
     * with the condition as its reason (like AWS FIS stop conditions).
     */
    abort: z
      .array(abortConditionSchema, { error: 'must be a list of abort conditions' })
      .optional(),
  }),
})

export type ExperimentInput = z.input<typeof experimentSchema>
export type StepInputType = StepInput
export type FaultInput = z.input<typeof faultSchema>
export type ProbeInput = z.input<typeof probeSchemaUnion>
export type CheckInputType = z.input<typeof checkSchemaUnion>
export type AbortConditionInput = z.input<typeof abortConditionSchema>
export type ServiceInput = z.input<typeof serviceSchema>
export type AttachInput = z.input<typeof attachSchema>
export type NetworkInput = z.input<typeof networkSchema>
export type HostInput = z.input<typeof hostSchema>
export type ProxyInput = z.input<typeof proxySchema>
