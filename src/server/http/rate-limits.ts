/**
 * Request rate limits, with @fastify/rate-limit's counters (`createRateLimit`): logins per
 * address, and state-changing requests per address (counted before authentication, so a
 * flood of bad tokens is limited too) and per user (after it: minting more tokens buys no
 * more), so one client cannot buy the whole server's time. Behind a reverse proxy the address
 * is the client's only with `ordeal server --trust-proxy`. Reads are not limited: they are cheap and bounded per request.
 * Over the limit: 429 with `Retry-After` (seconds). The defaults are far above what the UI,
 * `ordeal run --server` or a CI job sends; they stop floods, not users.
 * @module
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Caller } from './route.js'
import { HttpError } from './route.js'

/** Which budget a route spends: `none` for reads. */
export type RateClass = 'login' | 'write' | 'ingest' | 'none'

/** The budget a route spends: its own `rate`, else `write` for every method but GET. */
export function rateClassOf(route: { method: string; rate?: RateClass }): RateClass {
  return route.rate ?? (route.method === 'GET' ? 'none' : 'write')
}

/** Requests allowed per window (one minute unless `windowMs` says otherwise). */
export interface RateLimits {
  /** Login attempts per address. @default 60 */
  login: number
  /** State-changing requests per user; an address gets twice this. @default 1200 */
  write: number
  /** Event batches of recorded runs (`ordeal run --server`) per user; an address twice. @default 60000 */
  ingest: number
  /** @default 60000 */
  windowMs: number
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  login: 60,
  write: 1200,
  ingest: 60_000,
  windowMs: 60_000,
}

/** Parses `login=60,write=1200,ingest=60000,window=60s` (`ordeal server --rate-limit`). */
export function parseRateLimits(spec: string): Partial<RateLimits> | string {
  const out: Partial<RateLimits> = {}
  for (const part of spec.split(',')) {
    const match = /^\s*(login|write|ingest|window)=(\d+)(ms|s|m)?\s*$/.exec(part)
    if (!match) {
      return `'${part.trim()}' is not NAME=N (login, write, ingest, window)`
    }
    const [, name, digits, unit] = match
    const value = Number(digits)
    if (name === 'window') {
      out.windowMs = value * (unit === 'm' ? 60_000 : unit === 'ms' ? 1 : 1000)
    } else if (unit !== undefined || value < 1) {
      return `${name} must be a positive count of requests`
    } else {
      out[name as 'login' | 'write' | 'ingest'] = value
    }
  }
  if (out.windowMs !== undefined && out.windowMs < 1) {
    return 'window must be positive'
  }
  return out
}

type Limiter = (request: FastifyRequest) => Promise<{
  isAllowed: boolean
  isExceeded?: boolean
  ttlInSeconds?: number
}>

declare module 'fastify' {
  interface FastifyInstance {
    createRateLimit(options: {
      max: number
      timeWindow: number
      keyGenerator: (request: FastifyRequest) => string
    }): Limiter
  }
}

/** When a check runs: `address` before authentication, `caller` after it. */
export type RatePhase = 'address' | 'caller'

/**
 * Returns the check to run before authentication (`address`) and after it (`caller`), both
 * before the body is read. Counters live in memory, per process: a limit is a cost bound for
 * this server, not a quota.
 */
export function createRateLimiter(app: FastifyInstance, limits: RateLimits) {
  const limiter = (max: number, key: (request: FastifyRequest) => string): Limiter =>
    app.createRateLimit({ max, timeWindow: limits.windowMs, keyGenerator: key })
  const byAddress = (prefix: string) => (request: FastifyRequest) => `${prefix}:${request.ip}`
  // By user, not token: an editor can mint tokens. Falls back to the address (public routes).
  const byUser = (prefix: string) => (request: FastifyRequest) =>
    `${prefix}:${request.ordealCaller?.user.id ?? request.ip}`
  type Checks = Record<Exclude<RateClass, 'none'>, Limiter[]>
  // Built on first use: `createRateLimit` exists once the plugin has loaded (app.ready()).
  let checks: Record<RatePhase, Checks> | undefined
  const build = (): Record<RatePhase, Checks> => ({
    address: {
      login: [limiter(limits.login, byAddress('login'))],
      write: [limiter(limits.write * 2, byAddress('write'))],
      ingest: [limiter(limits.ingest * 2, byAddress('ingest'))],
    },
    caller: {
      login: [],
      write: [limiter(limits.write, byUser('write'))],
      ingest: [limiter(limits.ingest, byUser('ingest'))],
    },
  })

  return async function checkRateLimit(
    request: FastifyRequest,
    reply: FastifyReply,
    rate: RateClass,
    phase: RatePhase
  ): Promise<void> {
    if (rate === 'none') {
      return
    }
    checks ??= build()
    for (const check of checks[phase][rate]) {
      const state = await check(request)
      if (!state.isAllowed && state.isExceeded) {
        const seconds = Math.max(1, state.ttlInSeconds ?? 1)
        void reply.header('retry-after', String(seconds))
        throw new HttpError(
          429,
          'rate_limited',
          `too many requests: retry after ${seconds} s (limits: ordeal server --rate-limit)`
        )
      }
    }
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling: set before the body is read; undefined on public routes. */
    ordealCaller?: Caller
  }
}
