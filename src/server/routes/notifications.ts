/**
 * Notification targets and their deliveries. A target's URL is a secret (a Slack webhook's
 * path): only owners add or remove targets, and no answer ever carries the URL (`urlHint`).
 * Deliveries, failed ones included, are readable by every viewer: a failure is shown, not
 * hidden in a log.
 * @module
 */
import { z } from 'zod'
import { defineRoute, notFound, type RouteDef } from '../http/route.js'
import { actorOf } from '../auth/actor.js'
import { idParams } from '../api/schemas.js'
import { experimentNameSchema } from '../api/names.js'
import { LABEL_KEY_PATTERN, LABEL_VALUE_PATTERN } from '../../platforms/agent/protocol.js'

const MAX_URL = 2048

const targetUrl = z
  .string()
  .max(MAX_URL)
  .refine((text) => {
    try {
      const url = new URL(text)
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== ''
    } catch {
      return false
    }
  }, 'must be an http:// or https:// URL')

const newTargetBody = z.strictObject({
  name: experimentNameSchema,
  kind: z.enum(['webhook', 'slack']),
  url: targetUrl,
  labels: z
    .record(
      z.string().regex(LABEL_KEY_PATTERN, 'must be a label key like team or ordeal.dev/tier'),
      z.string().regex(LABEL_VALUE_PATTERN, 'must be a label value: letters, digits, ".", "_", "-"')
    )
    .refine((labels) => Object.keys(labels).length <= 32, 'at most 32 labels')
    .optional(),
})

const targetSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['webhook', 'slack']),
  urlHint: z.string(),
  labels: z.record(z.string(), z.string()).optional(),
  createdAt: z.string(),
  createdByName: z.string(),
})

const deliverySchema = z.object({
  id: z.string(),
  targetId: z.string(),
  targetName: z.string(),
  runId: z.string(),
  experimentName: z.string(),
  change: z.enum(['failed', 'recovered', 'error', 'test']),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  lastError: z.string().optional(),
  nextAttemptAt: z.string().optional(),
  createdAt: z.string(),
  deliveredAt: z.string().optional(),
})

const deliveriesQuery = z.strictObject({
  status: z.enum(['pending', 'delivered', 'failed']).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
})

export const notificationRoutes: RouteDef[] = [
  defineRoute({
    method: 'GET',
    url: '/api/notifications/targets',
    access: 'viewer',
    tag: 'notifications',
    summary: 'Where verdict changes are sent (the URL shown without its secret path)',
    response: z.array(targetSchema),
    handler: ({ ctx }) => ctx.notifier.listTargets(),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/notifications/targets',
    access: 'owner',
    tag: 'notifications',
    summary:
      'Add a generic webhook or a Slack-compatible incoming webhook; its URL is stored and never shown again',
    body: newTargetBody,
    response: targetSchema,
    status: 201,
    handler: ({ body, ctx, caller }) => ctx.notifier.createTarget(body, actorOf(caller!)),
  }),
  defineRoute({
    method: 'DELETE',
    url: '/api/notifications/targets/:id',
    access: 'owner',
    tag: 'notifications',
    summary: 'Remove a notification target (and its deliveries)',
    params: idParams,
    status: 204,
    async handler({ params, ctx }) {
      if (!(await ctx.notifier.removeTarget(params.id))) {
        throw notFound(`notification target ${params.id}`)
      }
      return undefined
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/notifications/targets/:id/test',
    access: 'owner',
    tag: 'notifications',
    summary:
      'Send a test message to the target now; answers the delivery as it ended (or as it waits for a retry)',
    params: idParams,
    response: deliverySchema,
    async handler({ params, ctx }) {
      const delivery = await ctx.notifier.test(params.id)
      if (delivery === undefined) {
        throw notFound(`notification target ${params.id}`)
      }
      return delivery
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/notifications/deliveries',
    access: 'viewer',
    tag: 'notifications',
    summary:
      'Deliveries of notifications, newest first: pending, delivered and failed with the last error',
    query: deliveriesQuery,
    response: z.array(deliverySchema),
    handler: ({ query, ctx }) =>
      ctx.notifier.deliveries({
        ...(query.status !== undefined ? { status: query.status } : {}),
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
      }),
  }),
]
