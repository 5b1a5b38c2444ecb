/**
 * The remote agents (`ordeal agent`) this Chaos Center knows: registered by an agent token or
 * by having connected once, each with its live state (connected, heartbeat, clock, runs).
 * Reading is for everyone with a token (viewer); the agents' own connection is the fleet's.
 * @module
 */
import { z } from 'zod'
import { defineRoute, type RouteDef } from '../http/route.js'
import { agentInfoSchema } from '../api/schemas.js'

export const agentRoutes: RouteDef[] = [
  defineRoute({
    method: 'GET',
    url: '/api/agents',
    access: 'viewer',
    tag: 'agents',
    summary: 'List the registered agents: labels, version, connected or last seen, current runs',
    response: z.array(agentInfoSchema),
    handler: ({ ctx }) => ctx.fleet.list(),
  }),
]
