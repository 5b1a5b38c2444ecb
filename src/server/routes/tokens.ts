/**
 * API tokens for scripts and CI (`ordeal run --server`). Anyone may create tokens for
 * themselves with a role no higher than their own; the secret is answered once and only its
 * hash is stored. Owners see and revoke everyone's tokens; others only their own. Owners also
 * create agent tokens (role `agent`, named after the agent: auth/agent-tokens.ts); revoking
 * one disconnects its agent at once (`ctx.fleet.revoke`).
 * @module
 */
import { z } from 'zod'
import type { CreatedToken } from '../../shared/api.js'
import { AGENT_TOKEN_NAME_RULE, isAgentName } from '../auth/agent-tokens.js'
import { atLeast } from '../auth/roles.js'
import { hashSecret, newId, newSecret } from '../auth/secrets.js'
import { apiTokenSchema, createdTokenSchema, createTokenBody, idParams } from '../api/schemas.js'
import { ValidationError } from '../api/validation.js'
import { defineRoute, HttpError, notFound, type RouteDef } from '../http/route.js'

const DAY_MS = 24 * 60 * 60 * 1000

export const tokenRoutes: RouteDef[] = [
  defineRoute({
    method: 'GET',
    url: '/api/tokens',
    access: 'viewer',
    summary: "The caller's tokens (an owner sees everyone's)",
    tag: 'tokens',
    response: z.array(apiTokenSchema),
    async handler({ caller, ctx }) {
      return ctx.store.listTokens(caller!.role === 'owner' ? undefined : caller!.user.id)
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/tokens',
    access: 'viewer',
    summary:
      "Create a token for yourself, with a role up to the caller's; the secret is shown once",
    tag: 'tokens',
    body: createTokenBody,
    response: createdTokenSchema,
    status: 201,
    async handler({ body, caller, ctx }): Promise<CreatedToken> {
      const { user, role: callerRole } = caller!
      const role = body.role ?? callerRole
      if (role === 'agent') {
        if (callerRole !== 'owner') {
          throw new HttpError(
            403,
            'forbidden',
            `only owners create agent tokens; token has ${callerRole}`
          )
        }
        if (!isAgentName(body.name)) {
          throw new ValidationError([{ path: 'body.name', message: AGENT_TOKEN_NAME_RULE }])
        }
      } else if (!atLeast(callerRole, role)) {
        throw new HttpError(
          403,
          'forbidden',
          `cannot create a token with role ${role}; token has ${callerRole}`
        )
      }
      const now = new Date()
      const secret = newSecret('token')
      const token = await ctx.store.createToken({
        id: newId('tok'),
        name: body.name,
        userId: user.id,
        role,
        hash: hashSecret(secret),
        createdAt: now.toISOString(),
        ...(body.expiresInDays !== undefined
          ? { expiresAt: new Date(now.getTime() + body.expiresInDays * DAY_MS).toISOString() }
          : {}),
      })
      return { ...token, secret }
    },
  }),
  defineRoute({
    method: 'DELETE',
    url: '/api/tokens/:id',
    access: 'viewer',
    summary:
      'Revoke a token (your own; an owner may revoke any); an agent using it is disconnected',
    tag: 'tokens',
    params: idParams,
    status: 204,
    async handler({ params, caller, ctx }) {
      const owner = caller!.role === 'owner'
      const visible = await ctx.store.listTokens(owner ? undefined : caller!.user.id)
      // Someone else's token answers 404, like a missing one: ids are not an oracle.
      if (!visible.some((t) => t.id === params.id) || !(await ctx.store.deleteToken(params.id))) {
        throw notFound(`token '${params.id}'`)
      }
      // After the delete: a reconnect in between is refused by the auth hook already.
      ctx.fleet.revoke({ tokenId: params.id }, caller!.user.name)
    },
  }),
]
