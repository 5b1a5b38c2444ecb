/**
 * User management, owner only. A new user gets a one-time login link (the owner passes it on);
 * there are no passwords to leak or reset. The last owner can be neither deleted nor demoted,
 * so the Chaos Center can never lock itself out. API tokens without expiry outlive the
 * session that made them (logout revokes only the session), so an owner can list and revoke
 * every token of a user. Deleting a user or their tokens disconnects the agents using them
 * (`ctx.fleet.revoke`), and so does demoting an owner: agent tokens belong to owners.
 * @module
 */
import { z } from 'zod'
import type { LoginLink, Role, User } from '../../shared/api.js'
import { issueLoginCode, loginLink } from '../auth/login.js'
import { newId } from '../auth/secrets.js'
import {
  apiTokenSchema,
  createdUserSchema,
  createUserBody,
  idParams,
  loginLinkSchema,
  updateUserBody,
  userSchema,
} from '../api/schemas.js'
import { defineRoute, HttpError, notFound, type RouteDef } from '../http/route.js'
import type { Store } from '../store/contract.js'

async function userOrThrow(store: Store, id: string): Promise<User> {
  const user = await store.getUser(id)
  if (!user) {
    throw notFound(`user '${id}'`)
  }
  return user
}

async function refuseLastOwner(store: Store, user: User, action: string): Promise<void> {
  if (user.role !== 'owner') {
    return
  }
  const owners = (await store.listUsers()).filter((u) => u.role === 'owner')
  if (owners.length <= 1) {
    throw new HttpError(409, 'conflict', `cannot ${action} the last owner`)
  }
}

export const userRoutes: RouteDef[] = [
  defineRoute({
    method: 'GET',
    url: '/api/users',
    access: 'owner',
    summary: 'List users',
    tag: 'users',
    response: z.array(userSchema),
    async handler({ ctx }) {
      return ctx.store.listUsers()
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/users',
    access: 'owner',
    summary: 'Create a user; answers a one-time login link for them (24 h)',
    tag: 'users',
    body: createUserBody,
    response: createdUserSchema,
    status: 201,
    async handler({ body, ctx }) {
      const users = await ctx.store.listUsers()
      if (users.some((u) => u.name === body.name)) {
        throw new HttpError(409, 'conflict', `a user named '${body.name}' exists`)
      }
      const user = await ctx.store.createUser({
        id: newId('usr'),
        name: body.name,
        role: body.role,
        createdAt: new Date().toISOString(),
      })
      const loginCode = await issueLoginCode(ctx.store, user)
      return { user, loginCode, loginLink: loginLink(ctx.baseUrl(), loginCode) }
    },
  }),
  defineRoute({
    method: 'PATCH',
    url: '/api/users/:id',
    access: 'owner',
    summary: "Change a user's role (their tokens never act above it)",
    tag: 'users',
    params: idParams,
    body: updateUserBody,
    response: userSchema,
    async handler({ params, body, caller, ctx }) {
      const user = await userOrThrow(ctx.store, params.id)
      if (body.role !== 'owner') {
        await refuseLastOwner(ctx.store, user, 'demote')
      }
      const updated = await ctx.store.updateUserRole(user.id, body.role as Role)
      if (!updated) {
        throw notFound(`user '${params.id}'`)
      }
      if (user.role === 'owner' && updated.role !== 'owner') {
        // Their agent tokens stop authenticating (auth/authenticate.ts): their agents go too.
        ctx.fleet.revoke({ userId: user.id }, caller!.user.name)
      }
      return updated
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/users/:id/login-link',
    access: 'owner',
    summary:
      "A new one-time login link (24 h) for an existing user; the user's older unused links stop working",
    tag: 'users',
    params: idParams,
    response: loginLinkSchema,
    status: 201,
    async handler({ params, caller, ctx }): Promise<LoginLink> {
      const user = await userOrThrow(ctx.store, params.id)
      // Only the last link handed out works: one that went astray is revoked by the next.
      await ctx.store.deleteLoginCodes(user.id)
      const loginCode = await issueLoginCode(ctx.store, user)
      // Whoever opens the link acts as the user (and history names the user): say who asked.
      ctx.log(`issued a new login link for user ${user.id} (issued by ${caller!.user.id})`)
      return { loginCode, loginLink: loginLink(ctx.baseUrl(), loginCode) }
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/users/:id/tokens',
    access: 'owner',
    summary: "A user's API and session tokens (tokens without expiry outlive every logout)",
    tag: 'users',
    params: idParams,
    response: z.array(apiTokenSchema),
    async handler({ params, ctx }) {
      const user = await userOrThrow(ctx.store, params.id)
      return ctx.store.listTokens(user.id)
    },
  }),
  defineRoute({
    method: 'DELETE',
    url: '/api/users/:id/tokens',
    access: 'owner',
    summary:
      'Revoke every token of a user (API tokens, sessions, unused login codes): signed out everywhere',
    tag: 'users',
    params: idParams,
    response: z.object({ revoked: z.number().int() }),
    async handler({ params, caller, ctx }) {
      const user = await userOrThrow(ctx.store, params.id)
      const revoked = await ctx.store.deleteUserTokens(user.id)
      ctx.log(`revoked ${revoked} token(s) of user ${user.id}`)
      ctx.fleet.revoke({ userId: user.id }, caller!.user.name)
      return { revoked }
    },
  }),
  defineRoute({
    method: 'DELETE',
    url: '/api/users/:id',
    access: 'owner',
    summary: 'Delete a user and their tokens (their agents are disconnected)',
    tag: 'users',
    params: idParams,
    status: 204,
    async handler({ params, caller, ctx }) {
      const user = await userOrThrow(ctx.store, params.id)
      await refuseLastOwner(ctx.store, user, 'delete')
      if (!(await ctx.store.deleteUser(user.id))) {
        throw notFound(`user '${params.id}'`)
      }
      ctx.fleet.revoke({ userId: user.id }, caller!.user.name)
    },
  }),
]
