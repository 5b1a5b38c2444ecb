/**
 * Hooks and triggers (issue 16 §3). A hook is a URL a deploy tool posts to (generic, Argo CD,
 * Flux, GitHub): created by an editor, its secret shown once; its deliveries carry no token
 * (the signature or secret is checked, replays refused) and are all recorded. Triggers are
 * declared in manifests; these routes show them with their last firing and pending events.
 * @module
 */
import { z } from 'zod'
import { defineRoute, notFound, type RouteDef } from '../http/route.js'
import { actorOf } from '../auth/actor.js'
import { idParams } from '../api/schemas.js'
import { receiveDelivery } from '../triggers/receive.js'
import {
  createdHookSchema,
  deliveriesQuery,
  hookDeliverySchema,
  hookInfoSchema,
  newHookBody,
  triggerInfoSchema,
} from '../triggers/schemas.js'

/** A deploy notification is a few KiB (GitHub's deployment_status about 20): 512 KiB is ample. */
export const HOOK_BODY_LIMIT = 512 * 1024

export const hookRoutes: RouteDef[] = [
  defineRoute({
    method: 'GET',
    url: '/api/hooks',
    access: 'viewer',
    tag: 'triggers',
    summary: 'List hooks with their last delivery (never their secrets)',
    response: z.array(hookInfoSchema),
    handler: ({ ctx }) => ctx.triggers.listHooks(),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/hooks',
    access: 'editor',
    tag: 'triggers',
    summary:
      'Create a hook: answers its URL and secret once (configure the sender with them; the secret is never shown again)',
    body: newHookBody,
    response: createdHookSchema,
    status: 201,
    handler: ({ body, ctx, caller }) => ctx.triggers.createHook(body, actorOf(caller!)),
  }),
  defineRoute({
    method: 'DELETE',
    url: '/api/hooks/:id',
    access: 'editor',
    tag: 'triggers',
    summary: 'Delete a hook and its deliveries: its URL answers 404 from now on',
    params: idParams,
    status: 204,
    async handler({ params, ctx }) {
      if (!(await ctx.triggers.removeHook(params.id))) {
        throw notFound(`hook ${params.id}`)
      }
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/hooks/:id/deliveries',
    access: 'viewer',
    tag: 'triggers',
    summary:
      "A hook's deliveries, newest first: accepted (with the triggers matched), ignored or rejected, with the reason",
    params: idParams,
    query: deliveriesQuery,
    response: z.array(hookDeliverySchema),
    async handler({ params, query, ctx }) {
      const deliveries = await ctx.triggers.deliveries(params.id, query.limit)
      if (deliveries === undefined) {
        throw notFound(`hook ${params.id}`)
      }
      return deliveries
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/hooks/:id',
    access: 'public',
    tag: 'triggers',
    summary:
      'A delivery from the sender the hook was made for, checked by its signature or secret: 202 with the triggers it matched; 401 bad signature, 409 replay, 400 stale or bad payload',
    params: idParams,
    rawBody: true,
    bodyLimit: HOOK_BODY_LIMIT,
    response: hookDeliverySchema,
    status: 202,
    handler: ({ params, ctx, request }) =>
      receiveDelivery(
        ctx,
        params.id,
        request.headers,
        Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
      ),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/triggers',
    access: 'viewer',
    tag: 'triggers',
    summary:
      "Every experiment's triggers with their last firing and the events waiting in an open debounce window",
    response: z.array(triggerInfoSchema),
    handler: ({ ctx }) => ctx.triggers.list(),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/experiments/:id/triggers',
    access: 'viewer',
    tag: 'triggers',
    summary: "An experiment's triggers with their last firing and pending events",
    params: idParams,
    response: z.array(triggerInfoSchema),
    async handler({ params, ctx }) {
      if ((await ctx.store.getExperiment(params.id)) === undefined) {
        throw notFound(`experiment ${params.id}`)
      }
      return ctx.triggers.list(params.id)
    },
  }),
]
