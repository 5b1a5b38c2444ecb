/**
 * The Chaos Center's HTTP app: every RouteDef registered the same way (bearer auth and role
 * first, then zod validation of params, query and body, then the handler), and every failure,
 * Fastify's own included, answered in the one `ApiError` shape. Built without listening, so
 * tests can `inject` into it; `startServer` listens.
 * @module
 */
import Fastify from 'fastify'
import fastifyRateLimit from '@fastify/rate-limit'
import fastifyStatic from '@fastify/static'
import fastifyWebsocket from '@fastify/websocket'
import type { WebSocket } from 'ws'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ApiError } from '../shared/api.js'
import { createAuthenticator } from './auth/authenticate.js'
import { oneLine, parseRequestPart, ValidationError } from './api/validation.js'
import type { ServerContext } from './context.js'
import { HttpError } from './http/route.js'
import type { RouteDef } from './http/route.js'
import { StoreConflictError } from './store/contract.js'
import { MAX_FRAME_BYTES } from '../platforms/agent/protocol.js'
import { uiRoot } from './routes/ui-static.js'
import { isLoopbackHostHeader } from './http/host-check.js'
import {
  createRateLimiter,
  DEFAULT_RATE_LIMITS,
  rateClassOf,
  type RateLimits,
} from './http/rate-limits.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The routes this app serves: the OpenAPI document is generated from them. */
    ordealRoutes: readonly RouteDef[]
  }
}

/** Event batches from `ordeal run --server` are the largest bodies; 2 MiB holds thousands. */
export const BODY_LIMIT = 2 * 1024 * 1024

/**
 * Same origin only: scripts, styles, fetches and images from the server itself; no framing
 * (clickjacking); inline styles allowed because the editor and charts set them at run time.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

export interface AppOptions {
  /**
   * The listening port when bound to loopback: `Host` must then name loopback (DNS
   * rebinding, http/host-check.ts). Absent when bound elsewhere, or in socket-free tests.
   */
  loopbackPort?: () => number
  /** Rate limits (http/rate-limits.ts); defaults when absent. */
  rateLimits?: Partial<RateLimits>
  /**
   * Fastify's `trustProxy` (`ordeal server --trust-proxy`): which proxies' X-Forwarded-For
   * to believe, so that the rate limits count clients, not the proxy. Absent: none.
   */
  trustProxy?: string
  /** Serve HTTPS (`ordeal server --tls-cert --tls-key`): PEM text of both. */
  https?: { cert: string | Buffer; key: string | Buffer }
}

export function buildApp(
  ctx: ServerContext,
  routes: RouteDef[],
  options: AppOptions = {}
): FastifyInstance {
  // An https server is the same app to every route (Fastify's types only tell them apart).
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT,
    // Live streams (SSE) stay open; closing the server must not wait for viewers to leave.
    forceCloseConnections: true,
    return503OnClosing: true,
    ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
    ...(options.https !== undefined ? { https: options.https } : {}),
  }) as unknown as FastifyInstance
  app.decorate('ordealRoutes', routes)
  // Only `reply.sendFile`: the UI route (routes/ui-static.ts) decides what is served, and when.
  void app.register(fastifyStatic, { root: uiRoot(), serve: false })
  void app.register(fastifyRateLimit, { global: false })
  // Agents' sockets (GET /api/agents/connect): the upgrade goes through the routes' hooks
  // first, so auth and rate limits answer plain HTTP before it. No compression (ws's default).
  void app.register(fastifyWebsocket, { options: { maxPayload: MAX_FRAME_BYTES } })
  const authenticate = createAuthenticator(ctx.store)
  const checkRateLimit = createRateLimiter(app, { ...DEFAULT_RATE_LIMITS, ...options.rateLimits })

  app.addHook('onRequest', async (request, reply) => {
    // Set on the raw response so that raw routes (SSE, static files) carry them too. The
    // login code travels in the /login URL: no-referrer keeps it out of other sites' logs.
    const res = reply.raw
    res.setHeader('X-Content-Type-Options', 'nosniff')
    res.setHeader('Referrer-Policy', 'no-referrer')
    res.setHeader('X-Frame-Options', 'DENY')
    res.setHeader('Content-Security-Policy', CSP)
    if (request.url.startsWith('/api/')) {
      res.setHeader('Cache-Control', 'no-store')
    }
    const loopbackPort = options.loopbackPort?.()
    if (loopbackPort !== undefined && !isLoopbackHostHeader(request.headers.host, loopbackPort)) {
      throw new HttpError(
        421,
        'misdirected',
        `Host '${(request.headers.host ?? '').slice(0, 100)}' is not this server: open http://127.0.0.1:${loopbackPort}/`
      )
    }
    if (request.routeOptions.url === undefined) {
      // No route: answer now, before Fastify would read (and buffer) the body for a 404.
      throw notFoundError(request)
    }
  })

  for (const route of routes) {
    const websocket = route.websocket
    const options = {
      method: route.method,
      url: route.url,
      ...(route.bodyLimit !== undefined ? { bodyLimit: route.bodyLimit } : {}),
      // Authentication and rate limits run before the body is read: an unauthenticated or
      // over-limit request is answered without buffering its body (issue 12: 64 concurrent
      // 2 MiB unauthenticated POSTs doubled the server's memory when auth ran after parsing).
      onRequest: async (request: FastifyRequest, reply: FastifyReply) => {
        await checkRateLimit(request, reply, rateClassOf(route), 'address')
        if (route.tokenFromBody !== undefined && request.headers.authorization === undefined) {
          // The token is in the body (a Flagger webhook): checked in preHandler, once read.
          return
        }
        const caller = await authenticate(request.headers.authorization, route.access)
        // A second guard beside authenticate's own rule (roles.ts: an agent token passes only
        // agent routes, and they take only agent tokens): the agents' socket must never be
        // reachable with any other token, whatever becomes of the role ranking.
        if (route.access === 'agent' && caller?.role !== 'agent') {
          throw new HttpError(
            403,
            'forbidden',
            `requires role agent; token has ${caller?.role ?? 'none'}`
          )
        }
        request.ordealCaller = caller
        await checkRateLimit(request, reply, rateClassOf(route), 'caller')
      },
      ...(route.tokenFromBody !== undefined
        ? {
            preHandler: async (request: FastifyRequest, reply: FastifyReply) => {
              if (request.headers.authorization !== undefined) {
                return
              }
              const token = route.tokenFromBody!(request.body)
              const caller = await authenticate(
                token === undefined ? undefined : `Bearer ${token}`,
                route.access
              )
              // The same second guard as onRequest's: an agent token never passes here, and
              // an agent route never takes another token (defineRoute refuses tokenFromBody on
              // agent routes; this holds whatever becomes of that check).
              if ((route.access === 'agent') !== (caller?.role === 'agent')) {
                throw new HttpError(
                  403,
                  'forbidden',
                  `requires role ${route.access}; token has ${caller?.role ?? 'none'}`
                )
              }
              request.ordealCaller = caller
              await checkRateLimit(request, reply, rateClassOf(route), 'caller')
            },
          }
        : {}),
      ...(websocket !== undefined
        ? {
            wsHandler: (socket: WebSocket, request: FastifyRequest) => {
              websocket(socket, {
                params: request.params,
                query: request.query,
                body: undefined,
                caller: request.ordealCaller,
                request,
                reply: undefined as unknown as FastifyReply,
                ctx,
              })
            },
          }
        : {}),
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const caller = request.ordealCaller
        const params = route.params
          ? parseRequestPart('params', route.params, request.params)
          : request.params
        const query = route.query
          ? parseRequestPart('query', route.query, request.query)
          : request.query
        const body = route.body ? parseRequestPart('body', route.body, request.body) : undefined
        const result = await route.handler({ params, query, body, caller, request, reply, ctx })
        if (route.raw) {
          return reply
        }
        const status = route.status ?? 200
        if (status === 204 || result === undefined) {
          return reply.code(status).send()
        }
        return reply.code(status).send(result)
      },
    }
    if (websocket !== undefined) {
      // After the websocket plugin has loaded: its onRoute hook must see the route.
      void app.register(async (scope) => {
        scope.route(options)
      })
    } else if (route.rawBody) {
      // A scope of its own, so that only this route reads any body as bytes (an HMAC is over
      // the exact bytes sent; JSON.parse and stringify again would not give them back).
      void app.register(async (scope) => {
        scope.removeAllContentTypeParsers()
        scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
          done(null, body)
        })
        scope.route(options)
      })
    } else {
      app.route(options)
    }
  }

  app.setNotFoundHandler(async (request) => {
    throw notFoundError(request)
  })

  app.setErrorHandler(async (error: unknown, request, reply) => {
    const { status, body } = toApiError(error, request.routeOptions.bodyLimit)
    if (status >= 500) {
      // The stack goes to the server log only, folded into one line; the client gets a line.
      const stack = error instanceof Error ? (error.stack ?? error.message) : String(error)
      ctx.log(`error ${request.method} ${request.url.split('?')[0]}: ${oneLine(stack)}`)
    }
    if (reply.sent || reply.raw.headersSent) {
      return reply
    }
    if (error instanceof HttpError && error.retryAfterSeconds !== undefined) {
      void reply.header('retry-after', String(error.retryAfterSeconds))
    }
    return reply.code(status).type('application/json; charset=utf-8').send(body)
  })

  return app
}

function notFoundError(request: FastifyRequest): HttpError {
  return new HttpError(404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`)
}

/** Maps anything thrown to a status and an ApiError. */
export function toApiError(
  error: unknown,
  /** The route's body limit, named when a body is too large. */
  bodyLimit = BODY_LIMIT
): { status: number; body: ApiError } {
  if (error instanceof ValidationError) {
    return {
      status: error.status,
      body: { error: 'validation', message: error.message, issues: error.issues },
    }
  }
  if (error instanceof HttpError) {
    return { status: error.status, body: { error: error.error, message: oneLine(error.message) } }
  }
  if (error instanceof StoreConflictError) {
    return { status: 409, body: { error: 'conflict', message: oneLine(error.message) } }
  }
  const fastifyStatus = statusOf(error)
  if (fastifyStatus !== undefined && fastifyStatus >= 400 && fastifyStatus < 500) {
    return { status: fastifyStatus, body: fastifyClientError(fastifyStatus, error, bodyLimit) }
  }
  const message = error instanceof Error ? error.message : String(error)
  return {
    status: 500,
    body: { error: 'internal', message: oneLine(`internal error: ${message}`) },
  }
}

/** Fastify's own 4xx (bad JSON, body too large, wrong content type), in our words. */
function fastifyClientError(status: number, error: unknown, bodyLimit: number): ApiError {
  const code = (error as { code?: unknown }).code
  const message = error instanceof Error ? error.message : String(error)
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        error: 'too_large',
        message: `body: larger than the limit of ${formatLimit(bodyLimit)}`,
      }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { error: 'validation', message: 'body: Content-Type must be application/json' }
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { error: 'validation', message: 'body: empty, but Content-Type is application/json' }
    default:
      break
  }
  if (status === 400 && /JSON/i.test(message)) {
    return { error: 'validation', message: oneLine(`body: invalid JSON: ${message}`) }
  }
  const kind: ApiError['error'] =
    status === 401
      ? 'unauthorized'
      : status === 403
        ? 'forbidden'
        : status === 404
          ? 'not_found'
          : status === 409
            ? 'conflict'
            : status === 413
              ? 'too_large'
              : status === 429
                ? 'rate_limited'
                : 'validation'
  return { error: kind, message: oneLine(message) }
}

/** `2 MiB`, `256 KiB`. */
function formatLimit(bytes: number): string {
  return bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0
    ? `${bytes / 1024 / 1024} MiB`
    : `${Math.ceil(bytes / 1024)} KiB`
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) {
    return undefined
  }
  const status = (error as { statusCode?: unknown }).statusCode
  return typeof status === 'number' ? status : undefined
}
