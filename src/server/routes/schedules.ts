/**
 * Schedules (issue 16 §1): declared in manifests (`spec.schedules`), so the API only reads them
 * (with their next ticks, excluded windows applied) and their ticks (ran / skipped / failed,
 * and why), and pauses or resumes one (editor). 404 in one line for an unknown experiment or
 * schedule.
 * @module
 */
import { z } from 'zod'
import { actorOf } from '../auth/actor.js'
import { idSchema } from '../api/names.js'
import { idParams } from '../api/schemas.js'
import { defineRoute, notFound, type RouteDef } from '../http/route.js'
import type { ServerContext } from '../context.js'

const scheduleParams = z.strictObject({ id: idSchema, name: z.string().min(1).max(200) })
const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
  offset: z.coerce.number().int().min(0).optional(),
})
const ticksQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).optional() })

export const scheduleTickSchema = z.object({
  experimentId: z.string(),
  schedule: z.string(),
  dueAt: z.string(),
  fireAt: z.string().optional(),
  firedAt: z.string().optional(),
  outcome: z.enum(['pending', 'ran', 'skipped', 'failed']),
  reason: z.string().optional(),
  runId: z.string().optional(),
})

const windowSchema = z.union([
  z.object({
    days: z.array(z.string()).optional(),
    from: z.string(),
    to: z.string(),
    reason: z.string().optional(),
  }),
  z.object({ start: z.string(), end: z.string(), reason: z.string().optional() }),
])

export const scheduleInfoSchema = z.object({
  experimentId: z.string(),
  experimentName: z.string(),
  name: z.string(),
  cron: z.string(),
  timeZone: z.string(),
  jitterMs: z.number().int(),
  concurrencyPolicy: z.enum(['Forbid', 'Allow', 'Replace']),
  startingDeadlineSeconds: z.number().int().optional(),
  historyLimit: z.number().int(),
  exclude: z.array(windowSchema),
  placement: z
    .union([
      z.object({ agent: z.string() }),
      z.object({ labels: z.record(z.string(), z.string()) }),
    ])
    .optional(),
  paused: z.boolean(),
  pausedBy: z.string().optional(),
  pausedAt: z.string().optional(),
  nextTicks: z.array(z.string()),
  lastTick: scheduleTickSchema.optional(),
})

async function experimentOr404(ctx: ServerContext, id: string) {
  const experiment = await ctx.store.getExperiment(id)
  if (experiment === undefined) {
    throw notFound(`experiment ${id}`)
  }
  return experiment
}

const pauseRoute = (paused: boolean) =>
  defineRoute({
    method: 'POST',
    url: `/api/experiments/:id/schedules/:name/${paused ? 'pause' : 'resume'}`,
    access: 'editor',
    tag: 'schedules',
    summary: paused
      ? 'Pause a schedule: no tick runs and none is shown until it is resumed'
      : 'Resume a paused schedule: ticks missed while paused are not caught up (409 when the manifest suspends it)',
    params: scheduleParams,
    response: scheduleInfoSchema,
    async handler({ params, ctx, caller }) {
      const experiment = await experimentOr404(ctx, params.id)
      const info = await ctx.schedules.setPaused(
        experiment.id,
        params.name,
        paused,
        actorOf(caller!)
      )
      if (info === undefined) {
        throw notFound(`schedule ${params.name} of experiment ${experiment.name}`)
      }
      return info
    },
  })

export const scheduleRoutes: RouteDef[] = [
  defineRoute({
    method: 'GET',
    url: '/api/schedules',
    access: 'viewer',
    tag: 'schedules',
    summary:
      "Every experiment's schedules, with their next ticks and last tick (by experiment and name; `limit` from `offset` when given)",
    query: listQuery,
    response: z.array(scheduleInfoSchema),
    handler: ({ ctx, query }) =>
      ctx.schedules.list(undefined, {
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
        ...(query.offset !== undefined ? { offset: query.offset } : {}),
      }),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/experiments/:id/schedules',
    access: 'viewer',
    tag: 'schedules',
    summary: "An experiment's schedules, with their next ticks and last tick",
    params: idParams,
    response: z.array(scheduleInfoSchema),
    async handler({ params, ctx }) {
      const experiment = await experimentOr404(ctx, params.id)
      return ctx.schedules.list(experiment.id)
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/experiments/:id/schedules/:name/ticks',
    access: 'viewer',
    tag: 'schedules',
    summary: "A schedule's ticks, newest first: ran (with the run), skipped or failed (with why)",
    params: scheduleParams,
    query: ticksQuery,
    response: z.object({ ticks: z.array(scheduleTickSchema) }),
    async handler({ params, query, ctx }) {
      const experiment = await experimentOr404(ctx, params.id)
      const ticks = await ctx.schedules.ticks(experiment.id, params.name, query.limit)
      if (ticks === undefined) {
        throw notFound(`schedule ${params.name} of experiment ${experiment.name}`)
      }
      return { ticks }
    },
  }),
  pauseRoute(true),
  pauseRoute(false),
]
