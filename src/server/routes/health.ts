/**
 * `GET /api/health`: public liveness for load balancers and for tests waiting on a start. It
 * says which store is in use and how many runs execute, and nothing that needs a token.
 * @module
 */
import type { Health } from '../../shared/api.js'
import { healthSchema } from '../api/schemas.js'
import { defineRoute, type RouteDef } from '../http/route.js'

export const healthRoutes: RouteDef[] = [
  defineRoute({
    method: 'GET',
    url: '/api/health',
    access: 'public',
    summary: 'Liveness, version, store kind and running runs',
    tag: 'server',
    response: healthSchema,
    async handler({ ctx }): Promise<Health> {
      return {
        status: 'ok',
        version: ctx.version,
        store: ctx.store.kind,
        uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000),
        runningRuns: ctx.agent.running().length,
        connectedAgents: ctx.fleet.connectedCount(),
      }
    },
  }),
]
