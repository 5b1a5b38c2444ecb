/**
 * `GET /metrics`: the Prometheus text exposition. Public on purpose: scrapers rarely carry
 * bearer tokens, the endpoint changes no state and reveals only experiment, fault and probe
 * names with numbers, and the server listens on loopback unless told otherwise. Whoever
 * exposes the server beyond that can put the scrape path behind their proxy's auth.
 * @module
 */
import { defineRoute, type RouteDef } from '../http/route.js'

export const metricsRoutes: RouteDef[] = [
  defineRoute({
    method: 'GET',
    url: '/metrics',
    access: 'public',
    tag: 'metrics',
    summary: 'Prometheus metrics (runs by verdict, scores, active faults, probe states, process)',
    raw: true,
    async handler({ ctx, reply }) {
      const text = await ctx.metrics.render()
      return reply.code(200).header('content-type', ctx.metrics.contentType).send(text)
    },
  }),
]
