/**
 * Response schemas shared by the continuous-chaos routes and the run and experiment routes
 * (a run's cause, a version's git origin). Fastify serialises answers through them: a field
 * missing here is dropped from the answer.
 * @module
 */
import { z } from 'zod'

export const gitOriginSchema = z.object({
  source: z.string(),
  path: z.string(),
  commit: z.string(),
})

export const runCauseSchema = z.union([
  z.object({ kind: z.literal('schedule'), schedule: z.string(), dueAt: z.string() }),
  z.object({
    kind: z.literal('trigger'),
    trigger: z.string(),
    source: z.string(),
    events: z.number().int(),
    summary: z.string(),
  }),
  z.object({ kind: z.literal('gate'), gate: z.string() }),
])
