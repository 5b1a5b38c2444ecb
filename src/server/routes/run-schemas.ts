/**
 * Schemas of the run routes: requests (validated) and responses (OpenAPI documentation only).
 * Query strings arrive as text, hence the coercions.
 * @module
 */
import { z } from 'zod'
import { idSchema, plainTextSchema } from '../api/names.js'
import { journalEventSchema } from './journal-event-schema.js'

/** Events per request, both ways: large enough for a fast load step, small enough to stay cheap. */
export const MAX_EVENT_BATCH = 5000

export const startRunBody = z.strictObject({
  experimentId: idSchema,
  version: z.number().int().positive().optional(),
})

export const listRunsQuery = z.strictObject({
  experimentId: idSchema.optional(),
  status: z.enum(['running', 'finished', 'interrupted']).optional(),
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
  source: z.enum(['server', 'cli']),
  status: z.enum(['running', 'finished', 'interrupted']),
  verdict: verdictSchema.optional(),
  score: z.number().optional(),
  reason: z.string().optional(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  startedBy: z.string(),
  startedByName: z.string(),
  /** The API token's name; absent for a UI session. */
  startedVia: z.string().optional(),
})

export const runSchema = runSummarySchema.extend({
  /** The derived RunResult (steps, probes, faults, loads, checks), once the run has ended. */
  result: z.record(z.string(), z.unknown()).optional(),
  eventCount: z.number().int(),
})

export const eventPageSchema = z.object({
  events: z.array(journalEventSchema),
  next: z.number().int().optional(),
})
