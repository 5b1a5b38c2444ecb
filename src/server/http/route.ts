/**
 * One route of the Chaos Center API, as data. The app registers every RouteDef on Fastify,
 * validates params/query/body with its zod schemas (400 with the field named), checks the
 * bearer token's role, and the OpenAPI document is generated from the same list, so the docs,
 * the validation and the auth rules cannot drift apart. Tests iterate this list to prove every
 * state-changing route refuses a missing token, a bad token and too small a role.
 * @module
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { WebSocket } from 'ws'
import type { z } from 'zod'
import type { ApiError, Role, User } from '../../shared/api.js'
import type { RateClass } from './rate-limits.js'
import type { TokenRecord } from '../store/contract.js'
import type { ServerContext } from '../context.js'

/**
 * `public`: no token (health, login, OpenAPI, metrics); `agent`: agent tokens and nothing else
 * (the agents' socket, auth/roles.ts); otherwise the least ranked role allowed.
 */
export type Access = 'public' | Role

export interface Caller {
  user: User
  token: TokenRecord
  /** Effective role: the token's role (never more than its user's). */
  role: Role
}

export interface RouteInput<P, Q, B> {
  params: P
  query: Q
  body: B
  /** Undefined only on `public` routes. */
  caller: Caller | undefined
  request: FastifyRequest
  reply: FastifyReply
  ctx: ServerContext
}

export interface RouteDef<P = unknown, Q = unknown, B = unknown> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** Fastify path syntax: `/api/runs/:id`. */
  url: string
  access: Access
  summary: string
  tag: string
  params?: z.ZodType<P>
  query?: z.ZodType<Q>
  body?: z.ZodType<B>
  /** Documented response schema (OpenAPI only; not enforced at run time). */
  response?: z.ZodType
  /** Status of a successful answer (200 by default; 201 for creations, 204 for deletions). */
  status?: number
  /**
   * The rate budget the route spends (http/rate-limits.ts). Default: `write` for every method
   * but GET, `none` for GET.
   */
  rate?: RateClass
  /**
   * Largest body this route reads, in bytes (default: the app's BODY_LIMIT). Read only after
   * authentication, so only a caller with the route's role can make the server buffer it.
   */
  bodyLimit?: number
  /** `raw`: the handler writes the reply itself (SSE, Prometheus text, static files). */
  raw?: boolean
  handler(input: RouteInput<P, Q, B>): Promise<unknown>
  /**
   * A WebSocket route (`GET` only): an upgrade request passes the same auth and rate hooks,
   * answered as plain HTTP (401/403) before any upgrade, then gets this instead of `handler`,
   * which still answers a request that asks for no upgrade. Attach listeners before any await.
   */
  websocket?(socket: WebSocket, input: RouteInput<P, Q, B>): void
}

/** Keeps P/Q/B inferred from the schemas at the definition site. */
export function defineRoute<P = unknown, Q = unknown, B = unknown>(
  route: RouteDef<P, Q, B>
): RouteDef {
  return route as unknown as RouteDef
}

/** Thrown by handlers; the app turns it into `{ error, message }` with this status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: Exclude<ApiError['error'], 'internal'>,
    message: string,
    /** Sent as `Retry-After` (seconds): the client may retry the same request then. */
    readonly retryAfterSeconds?: number
  ) {
    super(message)
  }
}

export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`)
