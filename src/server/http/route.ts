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
  /**
   * Where a caller that cannot send headers puts its token in the JSON body (a Flagger
   * webhook: `metadata.token`). Consulted only when no Authorization header is sent, and only
   * for the routes that declare it: the body is then read (within `bodyLimit`) before the
   * token is checked, so keep that limit small. The token is never logged nor echoed.
   */
  tokenFromBody?(body: unknown): string | undefined
  /**
   * The handler gets the body as a Buffer, unparsed, whatever its Content-Type (no `body`
   * schema): signed webhooks, whose signature covers the exact bytes sent.
   */
  rawBody?: boolean
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
/** The largest body a `tokenFromBody` route may read before its caller is known. */
export const TOKEN_FROM_BODY_LIMIT = 64 * 1024
const TOKEN_FROM_BODY_ACCESS: readonly Access[] = ['viewer', 'editor', 'owner']

export function defineRoute<P = unknown, Q = unknown, B = unknown>(
  route: RouteDef<P, Q, B>
): RouteDef {
  // The body of a tokenFromBody route is read before authentication: keep that to people's
  // roles (never `public`, which needs no token, nor `agent`, whose socket takes only agent
  // tokens) and to a small body, whatever a future route declares.
  if (route.tokenFromBody !== undefined) {
    if (!TOKEN_FROM_BODY_ACCESS.includes(route.access)) {
      throw new Error(
        `${route.method} ${route.url}: tokenFromBody needs access viewer, editor or owner (not ${route.access})`
      )
    }
    if (route.bodyLimit === undefined || route.bodyLimit > TOKEN_FROM_BODY_LIMIT) {
      throw new Error(
        `${route.method} ${route.url}: tokenFromBody needs a bodyLimit of at most ${TOKEN_FROM_BODY_LIMIT} bytes`
      )
    }
  }
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
