/**
 * Schemas of the run routes: requests (validated) and responses (OpenAPI documentation only).
 * Query strings arrive as text, hence the coercions.
 * @module
 */
import { gitOriginSchema, runCauseSchema } from '../api/continuous-schemas.js'
import { z } from 'zod'
import { idSchema, plainTextSchema } from '../api/names.js'
import { journalEventSchema } from './journal-event-schema.js'
import {
  AGENT_NAME_PATTERN,
  LABEL_KEY_PATTERN,
  LABEL_VALUE_PATTERN,
} from '../../platforms/agent/protocol.js'
import { LOGICAL_AGENT_PATTERN } from '../../platforms/agent/part.js'
import { parseDuration } from '../../shared/duration.js'
import { ENDED_STATUSES, type RunStatus } from '../../shared/api.js'

/** Events per request, both ways: large enough for a fast load step, small enough to stay cheap. */
export const MAX_EVENT_BATCH = 5000

const HOUR = 3_600_000
/** A run's lease: at least 2 s (a few heartbeats), at most an hour without the server. */
export const LEASE_BOUNDS = { min: 2000, max: HOUR }
/** How long a placed run may wait for its agent. */
export const QUEUE_TIMEOUT_BOUNDS = { min: 1000, max: 24 * HOUR }

/** A duration text (`30s`) within bounds, as milliseconds. */
const durationField = (bounds: { min: number; max: number }, range: string) =>
  z
    .string()
    .max(32)
    .transform((text, ctx) => {
      const ms = parseDuration(text)
      if (ms === undefined || ms < bounds.min || ms > bounds.max) {
        ctx.addIssue({ code: 'custom', message: `must be a duration from ${range} (like 30s)` })
        return z.NEVER
      }
      return ms
    })

const agentNameSchema = z
  .string()
  .max(63)
  .regex(AGENT_NAME_PATTERN, 'must be an agent name: lowercase letters, digits and dashes')

const labelsSchema = z
  .record(
    z.string().regex(LABEL_KEY_PATTERN, 'must be a label key like zone or ordeal.dev/os'),
    z.string().regex(LABEL_VALUE_PATTERN, 'must be a label value: letters, digits, ".", "_", "-"')
  )
  .refine((labels) => Object.keys(labels).length > 0, 'give at least one label')
  .refine((labels) => Object.keys(labels).length <= 32, 'at most 32 labels')

/** `{a: 'edge-1', b: 'edge-2'}`: each logical agent of a multi-host experiment onto an agent. */
const partsSchema = z
  .record(
    z
      .string()
      .max(63)
      .regex(
        LOGICAL_AGENT_PATTERN,
        'must be a logical agent name: lowercase letters, digits and dashes'
      ),
    agentNameSchema
  )
  .refine((parts) => Object.keys(parts).length > 0, 'give at least one logical agent')
  .refine((parts) => Object.keys(parts).length <= 64, 'at most 64 logical agents')
  .superRefine((parts, ctx) => {
    const holder = new Map<string, string>()
    for (const [logical, agent] of Object.entries(parts)) {
      const other = holder.get(agent)
      if (other !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `${other} and ${logical} both name agent ${agent}; two logical hosts cannot share one`,
        })
      }
      holder.set(agent, logical)
    }
  })

/** Where and how a run is placed on an agent (`POST /api/runs` and `/api/runs/submit`). */
const placementFields = {
  agent: agentNameSchema.optional(),
  labels: labelsSchema.optional(),
  agents: partsSchema.optional(),
  queueTimeout: durationField(QUEUE_TIMEOUT_BOUNDS, '1s to 24h').optional(),
  lease: durationField(LEASE_BOUNDS, '2s to 1h').optional(),
}

export const startRunBody = z.strictObject({
  experimentId: idSchema,
  version: z.number().int().positive().optional(),
  ...placementFields,
})

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
/** base64(gzip(JSON BundleFile[])); the CLI caps the raw files at 16 MiB (bundle.ts). */
export const MAX_BUNDLE_CHARS = 23 * 1024 * 1024
/** What `POST /api/runs/submit` may carry (the app's default limit is far below a bundle). */
export const SUBMIT_BODY_LIMIT = 24 * 1024 * 1024

export const submitRunBody = z.strictObject({
  yaml: z
    .string()
    .min(1)
    .max(1024 * 1024),
  vars: z
    .record(
      z.string().max(128).regex(VAR_NAME, 'must be a variable name'),
      z.string().max(64 * 1024)
    )
    .refine((vars) => Object.keys(vars).length <= 500, 'at most 500 variables'),
  bundle: z
    .string()
    .max(MAX_BUNDLE_CHARS)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64')
    .optional(),
  ...placementFields,
})

const RUN_STATUSES = ['queued', 'running', 'finished', 'interrupted', 'cancelled'] as const
const statusSchema = z.enum(RUN_STATUSES satisfies readonly RunStatus[])
/** The statuses after which only a late agent report changes a run. */
export const isEnded = (status: RunStatus): boolean => ENDED_STATUSES.includes(status)

export const listRunsQuery = z.strictObject({
  experimentId: idSchema.optional(),
  status: statusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  before: idSchema.optional(),
})

export const eventsQuery = z.strictObject({
  after: z.coerce.number().int().min(-1).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_EVENT_BATCH).optional(),
  /** Comma-separated event types to leave out, e.g. `op`. */
  exclude: z.string().max(500).optional(),
})

export const streamQuery = z.strictObject({
  after: z.coerce.number().int().min(-1).optional(),
})

export const recordBody = z.strictObject({
  yaml: z
    .string()
    .min(1)
    .max(1024 * 1024),
  /** The engine's run id (the CLI generates it when the run starts). */
  runId: idSchema,
  /**
   * Make the run's manifest the experiment's current version (`--update-experiment`);
   * otherwise the run is recorded against its version without changing the current one.
   */
  updateExperiment: z.boolean().optional(),
  /** Where the manifest lives on the recording machine (informational). */
  file: plainTextSchema(4096).optional(),
})

export const eventsBody = z.strictObject({
  events: z.array(journalEventSchema).max(MAX_EVENT_BATCH),
})

const verdictSchema = z.enum(['pass', 'fail', 'error', 'interrupted'])

export const runSummarySchema = z.object({
  id: z.string(),
  experimentId: z.string(),
  experimentName: z.string(),
  experimentVersion: z.number().int(),
  source: z.enum(['server', 'cli', 'agent']),
  status: statusSchema,
  verdict: verdictSchema.optional(),
  score: z.number().optional(),
  reason: z.string().optional(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  startedBy: z.string(),
  startedByName: z.string(),
  /** The API token's name; absent for a UI session. */
  startedVia: z.string().optional(),
  /** Where the run was asked to go (absent: this server, or a CLI recording). */
  placement: z
    .union([
      z.object({ agent: z.string() }),
      z.object({ labels: z.record(z.string(), z.string()) }),
      z.object({ parts: z.record(z.string(), z.string()) }),
    ])
    .optional(),
  /** The agent the run was sent to. */
  agent: z.string().optional(),
  /** While queued: why it waits. */
  queueReason: z.string().optional(),
  /** While queued: when it gives up. */
  queueDeadline: z.string().optional(),
  /** When the agent accepted the run. */
  dispatchedAt: z.string().optional(),
  /** How long the agent runs on without the server before it rolls back by itself (ms). */
  leaseMs: z.number().int().optional(),
})

export const runSchema = runSummarySchema.extend({
  /** The derived RunResult (steps, probes, faults, loads, checks), once the run has ended. */
  result: z.record(z.string(), z.unknown()).optional(),
  eventCount: z.number().int(),
  /** A multi-host run's parts: which agent holds each logical host and how its part stands. */
  parts: z
    .array(
      z.object({
        logical: z.string(),
        agent: z.string(),
        status: z.enum(['dispatched', 'running', 'ended', 'lost']),
        clockOffsetMs: z.number().optional(),
        clockErrorMs: z.number().optional(),
        reason: z.string().optional(),
      })
    )
    .optional(),
  /** What started it when no person did (a schedule's tick, a trigger, a gate). */
  cause: runCauseSchema.optional(),
  /** The git origin of the version it ran: the commit. */
  origin: gitOriginSchema.optional(),
})

export const eventPageSchema = z.object({
  events: z.array(journalEventSchema),
  next: z.number().int().optional(),
})
