/**
 * Zod schemas of the hooks and triggers routes: request bodies (strict: a typo is a 400 naming
 * the field) and answers (Fastify serialises through them: a field missing here is dropped).
 * @module
 */
import { z } from 'zod'
import { NAME_PATTERN } from '../../shared/names.js'
import { CONDITION_OPERATORS, TRIGGER_SOURCES } from '../../experiment/trigger-schema.js'

export const HOOK_KINDS = ['generic', 'argocd', 'flux', 'github'] as const

export const newHookBody = z.strictObject({
  name: z
    .string()
    .max(100)
    .regex(NAME_PATTERN, 'must be lowercase letters, digits and dashes')
    .describe('What triggers name in `hook:`'),
  kind: z
    .enum(HOOK_KINDS, { error: `must be one of ${HOOK_KINDS.join(', ')}` })
    .describe('Who sends: generic (ordeal signature), argocd, flux (generic-hmac), github'),
})

export const deliveriesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).optional(),
})

export const hookDeliverySchema = z.object({
  hookId: z.string(),
  deliveryId: z.string(),
  receivedAt: z.string(),
  outcome: z.enum(['accepted', 'ignored', 'rejected']),
  reason: z.string().optional(),
  matched: z.array(z.string()),
})

export const hookInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(HOOK_KINDS),
  createdAt: z.string(),
  createdByName: z.string(),
  lastDelivery: hookDeliverySchema.optional(),
})

export const createdHookSchema = hookInfoSchema.extend({
  url: z.string(),
  secret: z.string(),
})

const placementSchema = z.union([
  z.object({ agent: z.string() }),
  z.object({ labels: z.record(z.string(), z.string()) }),
])

export const triggerInfoSchema = z.object({
  experimentId: z.string(),
  experimentName: z.string(),
  name: z.string(),
  on: z.enum(TRIGGER_SOURCES),
  hook: z.string().optional(),
  app: z.string().optional(),
  conditions: z.array(
    z.object({
      key: z.string(),
      operator: z.enum(CONDITION_OPERATORS),
      value: z.string().optional(),
    })
  ),
  conditionType: z.enum(['and', 'or']),
  debounceMs: z.number(),
  placement: placementSchema.optional(),
  lastFiring: z
    .object({
      at: z.string(),
      events: z.number(),
      outcome: z.enum(['ran', 'skipped', 'failed']),
      reason: z.string().optional(),
      runId: z.string().optional(),
    })
    .optional(),
  pendingEvents: z
    .number()
    .describe('Events in the open debounce window (kept in memory: a restart drops them)'),
})
