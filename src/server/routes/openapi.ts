/**
 * `GET /api/openapi.json`: the API's OpenAPI 3.1 document, public like the docs of any API,
 * generated once from the routes this app actually registered.
 * @module
 */
import { defineRoute, type RouteDef } from '../http/route.js'
import { buildOpenApi, type OpenApiDocument } from '../openapi.js'

const documents = new WeakMap<object, OpenApiDocument>()

export const openapiRoutes: RouteDef[] = [
  defineRoute({
    method: 'GET',
    url: '/api/openapi.json',
    access: 'public',
    summary: 'This OpenAPI document',
    tag: 'server',
    async handler({ request, ctx }) {
      const app = request.server
      let document = documents.get(app.ordealRoutes)
      if (!document) {
        document = buildOpenApi(app.ordealRoutes, ctx.version)
        documents.set(app.ordealRoutes, document)
      }
      return document
    },
  }),
]
