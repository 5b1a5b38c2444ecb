/**
 * The hub: ready-made experiment templates that ship with ordeal (examples/hub), listed for
 * the UI's "new from template" and fetched one at a time with their YAML.
 * @module
 */
import { z } from 'zod'
import { hubTemplateSchema, idParams } from '../api/schemas.js'
import { defineRoute, notFound, type RouteDef } from '../http/route.js'

export const hubRoutes: RouteDef[] = [
  defineRoute({
    method: 'GET',
    url: '/api/hub',
    access: 'viewer',
    summary: 'List the experiment templates',
    tag: 'hub',
    response: z.array(hubTemplateSchema),
    async handler({ ctx }) {
      return ctx.hub
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/hub/:id',
    access: 'viewer',
    summary: 'One experiment template with its YAML',
    tag: 'hub',
    params: idParams,
    response: hubTemplateSchema,
    async handler({ params, ctx }) {
      const template = ctx.hub.find((t) => t.id === params.id)
      if (!template) {
        throw notFound(`template '${params.id}'`)
      }
      return template
    },
  }),
]
