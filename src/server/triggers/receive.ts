/**
 * One delivery to `POST /api/hooks/:id`: the hook's kind checks it (receivers/), an authentic
 * one claims its delivery id (a replay claims nothing: 409), its event is matched
 * (ctx.triggers.deliver), and every outcome is written to hook_deliveries with its reason,
 * rejected ones included, so a sender's misconfiguration is readable in the API. The secret
 * and the request's headers are never logged or stored.
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { ServerContext } from '../context.js'
import type { HookDelivery } from '../../shared/continuous.js'
import { HttpError, notFound } from '../http/route.js'
import { HookStore } from './hook-store.js'
import { oneLine } from '../api/validation.js'
import { RECEIVERS } from './receivers/index.js'

const STATUS_ERROR = { 400: 'validation', 401: 'unauthorized', 409: 'conflict' } as const

export async function receiveDelivery(
  ctx: ServerContext,
  hookId: string,
  headers: IncomingHttpHeaders,
  body: Buffer
): Promise<HookDelivery> {
  const store = new HookStore(ctx.store.sql)
  const hook = await store.hookForDelivery(hookId)
  if (hook === undefined) {
    throw notFound(`hook ${hookId}`)
  }
  const now = ctx.clock.now()
  const receivedAt = new Date(now).toISOString()
  const reception = RECEIVERS[hook.kind]({
    hookName: hook.name,
    secret: hook.secret,
    headers,
    body,
    now,
  })
  const reject = async (status: 400 | 401 | 409, reason: string, deliveryId: string) => {
    await store.recordDelivery({
      hookId,
      deliveryId,
      receivedAt,
      outcome: 'rejected',
      reason,
    })
    throw new HttpError(status, STATUS_ERROR[status], `hook ${hook.name}: ${reason}`)
  }
  if (reception.outcome === 'rejected') {
    return reject(reception.status, reception.reason, reception.deliveryId)
  }
  const row = await store.claimDelivery(
    hookId,
    reception.deliveryId,
    reception.replayKey,
    receivedAt
  )
  if (row === undefined) {
    return reject(
      409,
      `replay: this signed request (delivery ${reception.deliveryId}) was received before`,
      reception.deliveryId
    )
  }
  let delivery: HookDelivery
  if (reception.outcome === 'ignored') {
    delivery = {
      hookId,
      deliveryId: reception.deliveryId,
      receivedAt,
      outcome: 'ignored',
      reason: reception.reason,
      matched: [],
    }
  } else {
    let matched: string[]
    try {
      matched = await ctx.triggers.deliver({ ...reception.event, deliveryRow: row })
    } catch (error) {
      // Give the id back: the sender's retry of a delivery we failed must not be a replay.
      await store.releaseDelivery(row, `not handled: ${oneLine(String(error))}`)
      throw error
    }
    delivery = {
      hookId,
      deliveryId: reception.deliveryId,
      receivedAt,
      outcome: matched.length > 0 ? 'accepted' : 'ignored',
      ...(matched.length === 0
        ? { reason: 'no trigger subscribed, or its conditions did not hold' }
        : {}),
      matched,
    }
  }
  await store.finishDelivery(row, delivery.outcome, delivery.reason, delivery.matched)
  return delivery
}
