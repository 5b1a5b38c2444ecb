/**
 * Login and identity: `POST /api/auth/login` exchanges a one-time code (from the first start's
 * link, `--reset-login`, or an owner creating a user) for a 7-day session token; `GET
 * /api/auth/me` tells the UI who the token belongs to and which role it acts with.
 * @module
 */
import { z } from 'zod'
import { exchangeLoginCode } from '../auth/login.js'
import { loginBody, loginResponseSchema, roleSchema, userSchema } from '../api/schemas.js'
import { defineRoute, type RouteDef } from '../http/route.js'

export const authRoutes: RouteDef[] = [
  defineRoute({
    method: 'POST',
    url: '/api/auth/login',
    access: 'public',
    rate: 'login',
    summary: 'Exchange a one-time login code for a session token (the code is used up)',
    tag: 'auth',
    body: loginBody,
    response: loginResponseSchema,
    async handler({ body, ctx }) {
      return exchangeLoginCode(ctx.store, body.code)
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/auth/me',
    access: 'viewer',
    summary: "The caller's user, and the role its token acts with",
    tag: 'auth',
    response: z.object({ user: userSchema, role: roleSchema, tokenId: z.string() }),
    async handler({ caller }) {
      const { user, role, token } = caller!
      return { user, role, tokenId: token.id }
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/auth/logout',
    access: 'viewer',
    summary:
      "Log out: revokes the caller's session token (an API token used to log in is left alone)",
    tag: 'auth',
    response: z.object({ revoked: z.boolean() }),
    async handler({ caller, ctx }) {
      const { token } = caller!
      // The store's mark, not the name: an API token named `session …` is left alone.
      const revoked = token.session && (await ctx.store.deleteToken(token.id))
      return { revoked }
    },
  }),
]
