/**
 * The agent protocol: what `ordeal agent` and the Chaos Center say to each other over the one
 * WebSocket the agent opens (`GET /api/agents/connect`, outbound only, so agents work behind
 * NAT). Each text frame is one JSON object, checked with these schemas when it arrives; an
 * invalid frame closes the socket with 4000. Both sides import this file and nothing else of
 * each other.
 *
 * A run placed on an agent: the server sends `run`; the agent answers `accepted` (or
 * `rejected`), then streams `events` (contiguous ascending seqs, read back from its durable
 * journal file, so a reconnect resends from the last `ack`); the server acks each stored batch;
 * after the ack covering `run.ended` the agent sends `ended` and forgets the run.
 * @module
 */
import { z } from 'zod'
import { journalEventSchema } from '../../server/routes/journal-event-schema.js'
import type { JournalEvent } from '../../shared/api.js'
import { partCommandSchema, partReplySchema, partSpecSchema } from './part.js'
import { NAME_PATTERN } from '../../shared/names.js'

export const AGENT_PROTOCOL = 1
export const AGENT_PATH = '/api/agents/connect'

/** An agent's name: a token of role agent carries it as its name (`edge-1`). */
export const AGENT_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/
/** Label keys and values (`zone=eu-1`), Kubernetes-like. */
export const LABEL_KEY_PATTERN = /^[a-z0-9][a-z0-9._/-]{0,62}$/
export const LABEL_VALUE_PATTERN = /^[A-Za-z0-9._-]{0,63}$/

/** At most this many events in one `events` frame (and at most MAX_FRAME_BYTES). */
export const MAX_EVENTS_PER_FRAME = 1000
/** The server's maxPayload for frames from agents. */
export const MAX_FRAME_BYTES = 2 * 1024 * 1024

/**
 * Close codes. 1000 normal · 1001 server stopping (reconnect) · 4000 protocol error · 4001 token
 * revoked or expired (the agent rolls back and exits 2) · 4002 replaced by another instance of
 * the same name (exits 2) · 4003 unsupported protocol · 4004 hello.name differs from the token's
 * agent name (exits 2).
 */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  protocol: 4000,
  revoked: 4001,
  replaced: 4002,
  unsupported: 4003,
  wrongName: 4004,
} as const
export type CloseCode = (typeof CLOSE)[keyof typeof CLOSE]

const runId = z.string().min(1).max(128)
const seq = z.number().int().min(-1)
const labels = z.record(z.string().regex(LABEL_KEY_PATTERN), z.string().regex(LABEL_VALUE_PATTERN))

/** A run the agent holds or held, reported in `hello` so the server can resume it. */
export const agentRunReportSchema = z.object({
  runId,
  /** The last seq in the agent's journal file. */
  lastSeq: seq,
  /** The journal holds `run.ended`. */
  ended: z.boolean(),
})
export type AgentRunReport = z.infer<typeof agentRunReportSchema>

/** Announced in `hello.features` by an agent that watches workloads, in `welcome.features` by a server that takes its frames. */
export const WORKLOAD_WATCH_FEATURE = 'workload-watch'

/**
 * `workload-changed`: a Deployment, StatefulSet or DaemonSet annotated
 * `ordeal.dev/experiment=NAME` got a new pod template (a deploy, not a scale) in a namespace
 * the agent watches (`ordeal agent --watch-workloads`). The server turns it into a trigger
 * event of source `kubernetes`, placed by default on this agent.
 */
export const workloadChangedSchema = z.strictObject({
  type: z.literal('workload-changed'),
  /** The experiment the annotation names. */
  experiment: z.string().regex(NAME_PATTERN).max(128),
  /** `deployment/orders`. */
  workload: z
    .string()
    .regex(/^(deployment|statefulset|daemonset)\/[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/),
  namespace: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/),
  /** The new template's container images (containers, then init containers), each once. */
  images: z.array(z.string().min(1).max(512)).max(64),
  /** metadata.generation of the workload as the agent saw it. */
  generation: z.number().int().nonnegative(),
  /** When the agent saw the change (ISO 8601, agent clock). */
  observedAt: z.iso.datetime(),
  /** The reporting agent's own name when it states one: it may report only for itself. */
  agent: z.string().regex(AGENT_NAME_PATTERN).optional(),
})
export type WorkloadChanged = z.infer<typeof workloadChangedSchema>

export const fromAgentSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    proto: z.number().int(),
    /** Random per agent process: a second socket from the same process replaces silently. */
    instance: z.string().min(1).max(64),
    /** Must equal the token's name when given. */
    name: z.string().regex(AGENT_NAME_PATTERN).optional(),
    version: z.string().max(64),
    labels,
    hostname: z.string().max(253),
    addresses: z.array(z.string().max(64)).max(64),
    maxRuns: z.number().int().min(1).max(64),
    /**
     * What this agent can do beyond protocol 1's placed runs: `parts` = it runs parts of
     * multi-host runs (run.part, command, reply, mark). A parts run goes only to agents saying so.
     * `workload-watch` = it watches annotated Kubernetes workloads and sends `workload-changed`.
     */
    features: z.array(z.string().max(32)).max(32).optional(),
    runs: z.array(agentRunReportSchema).max(1000),
  }),
  /** Answer to `ping`: t1 = agent clock when the ping arrived, t2 = when the pong left. */
  z.object({ type: z.literal('pong'), id: z.number().int(), t1: z.number(), t2: z.number() }),
  /** The run process started; idempotent per runId (a resent `run` is answered again). */
  z.object({ type: z.literal('accepted'), runId }),
  /** The manifest, its files or the preflight failed on the agent; nothing was started. */
  z.object({
    type: z.literal('rejected'),
    runId,
    reason: z.string().max(4096),
    /**
     * Every slot is taken (`--max-runs`): nothing is wrong with the run, it goes back to the
     * queue. A one-slot agent says so for the moment between its last run's `run.ended` (which
     * frees the slot on the server) and that run process's exit.
     */
    busy: z.boolean().optional(),
  }),
  z.object({
    type: z.literal('events'),
    runId,
    events: z.array(journalEventSchema).min(1).max(MAX_EVENTS_PER_FRAME),
  }),
  /** Every event up to `run.ended` is acked; nothing more follows for this run. */
  z.object({ type: z.literal('ended'), runId }),
  /**
   * A part's watermark (part.ts), sent after each `events` frame of a part and every 100 ms
   * while it runs: its journal through `seq` has been sent, and it journaled nothing else
   * before `t` (agent clock). The coordinator releases merged events up to the lowest mark.
   */
  z.object({ type: z.literal('mark'), runId, seq, t: z.number() }),
  /** The answer to a part's `command` of the same id (part.ts). */
  z.object({ type: z.literal('reply'), runId, reply: partReplySchema }),
  /**
   * An annotated workload's pod template changed (workload-watch/frame.ts). Only the type is
   * checked here: the fleet checks the rest with {@link workloadChangedSchema} and drops a bad
   * one with a log line, so a buggy watch never costs the connection (and its runs).
   */
  z.looseObject({ type: z.literal('workload-changed') }),
])
export type FromAgent = z.infer<typeof fromAgentSchema>
export type Hello = Extract<FromAgent, { type: 'hello' }>

/** The server's answer per run reported in `hello` or known to be on the agent. */
export const resumeSchema = z.object({
  runId,
  /** Every seq up to this one is stored: resend from ackedSeq + 1. */
  ackedSeq: seq,
  /** `forget`: the server wants nothing more of this run (ended, unknown, refused). */
  action: z.enum(['continue', 'forget']),
  reason: z.string().optional(),
})
export type Resume = z.infer<typeof resumeSchema>

export const toAgentSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'),
    proto: z.number().int(),
    name: z.string(),
    heartbeatMs: z.number().int().positive(),
    serverTime: z.number(),
    resume: z.array(resumeSchema),
    /**
     * What this server takes beyond protocol 1 (`workload-watch`): an agent sends a newer frame
     * only to a server listing it. An older server sends none, and an older agent ignores it.
     */
    features: z.array(z.string().max(32)).max(32).optional(),
  }),
  /** t0 = server clock when sent; the agent answers `pong` at once. */
  z.object({ type: z.literal('ping'), id: z.number().int(), t0: z.number() }),
  z.object({
    type: z.literal('run'),
    runId,
    experiment: z.string(),
    yaml: z.string(),
    vars: z.record(z.string(), z.string()),
    /** base64(gzip(JSON BundleFile[])): the manifest's directory (src/experiment/bundle.ts). */
    bundle: z.string().optional(),
    /** The dead-man switch: without a frame from the server this long, the agent rolls back. */
    leaseMs: z.number().int().positive(),
    /** Who started it (user name), for the agent's log. */
    startedBy: z.string(),
    /**
     * One part of a multi-host run (part.ts): start only this logical host's services, then
     * wait for `command` frames. Absent: an ordinary run, the agent runs its steps itself.
     */
    part: partSpecSchema.optional(),
  }),
  /** A command to a part (part.ts); answered by one `reply` with the same id. */
  z.object({
    type: z.literal('command'),
    runId,
    id: z.number().int().nonnegative(),
    command: partCommandSchema,
  }),
  z.object({ type: z.literal('abort'), runId, reason: z.string() }),
  /** Every seq ≤ seq of the run is stored. */
  z.object({ type: z.literal('ack'), runId, seq }),
  /**
   * Events not stored. 403: not this agent's run; 409: the run has ended (drop them);
   * 503: the store failed, resend after retryMs.
   */
  z.object({
    type: z.literal('nack'),
    runId,
    status: z.union([z.literal(403), z.literal(409), z.literal(503)]),
    message: z.string(),
    retryMs: z.number().int().nonnegative().optional(),
  }),
  /** Sent just before the server closes with `code`; `reason` is a line for the agent's log. */
  z.object({ type: z.literal('bye'), code: z.number().int(), reason: z.string() }),
])
export type ToAgent = z.infer<typeof toAgentSchema>

/** Parses one frame's text; undefined when it is not valid JSON or not a known message. */
export function parseFrame<T>(schema: z.ZodType<T>, text: string): T | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  const parsed = schema.safeParse(value)
  return parsed.success ? parsed.data : undefined
}

/** The typed events of an `events` frame (the schema checks their shape). */
export type EventsFrame = { type: 'events'; runId: string; events: JournalEvent[] }
