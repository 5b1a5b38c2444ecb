/**
 * The OpenAPI 3.1 document, generated from the same RouteDef list the app registers, so the
 * docs cannot describe a route, a field or a role that the server does not enforce. JSON
 * Schema comes from zod 4 (`io: 'input'`: what a client sends; drafts 2020-12 = OpenAPI 3.1).
 * @module
 */
import { z } from 'zod'
import { rateClassOf } from './http/rate-limits.js'
import type { RouteDef } from './http/route.js'
import { apiErrorSchema } from './api/schemas.js'

type JsonSchema = Record<string, unknown>

export interface OpenApiDocument {
  openapi: '3.1.0'
  info: { title: string; version: string; description: string }
  paths: Record<string, Record<string, unknown>>
  components: {
    securitySchemes: Record<string, unknown>
    schemas: Record<string, JsonSchema>
  }
  security: Array<Record<string, string[]>>
}

/** `/api/runs/:id` → `/api/runs/{id}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}')
}

/** Routes that are not part of the API (the UI's static files) stay out of the document. */
export function documented(route: RouteDef): boolean {
  return route.url.startsWith('/api/') || route.url === '/metrics'
}

export function buildOpenApi(routes: readonly RouteDef[], version: string): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {}
  for (const route of routes.filter(documented)) {
    const path = openApiPath(route.url)
    paths[path] ??= {}
    paths[path][route.method.toLowerCase()] = operation(route)
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'ordeal Chaos Center API',
      version,
      description:
        'Every route except those with `security: []` needs `Authorization: Bearer <token>`; ' +
        '`x-ordeal-role` is the least role allowed (viewer < editor < owner).',
    },
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API token (`ordl_tok_...`) or a session token from POST /api/auth/login.',
        },
      },
      schemas: { ApiError: jsonSchema(apiErrorSchema) },
    },
    security: [{ bearer: [] }],
  }
}

function operation(route: RouteDef): Record<string, unknown> {
  const status = String(route.status ?? 200)
  const op: Record<string, unknown> = {
    operationId: operationId(route),
    summary: route.summary,
    tags: [route.tag],
    'x-ordeal-role': route.access,
    security: route.access === 'public' ? [] : [{ bearer: [] }],
  }
  const parameters = [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')]
  if (parameters.length > 0) {
    op['parameters'] = parameters
  }
  if (route.body) {
    op['requestBody'] = {
      required: true,
      content: { 'application/json': { schema: jsonSchema(route.body) } },
    }
  }
  const errorRef = { $ref: '#/components/schemas/ApiError' }
  const errorResponse = (description: string) => ({
    description,
    content: { 'application/json': { schema: errorRef } },
  })
  const responses: Record<string, unknown> = {
    [status]:
      status === '204'
        ? { description: 'done' }
        : route.response
          ? {
              description: 'success',
              content: { 'application/json': { schema: jsonSchema(route.response) } },
            }
          : { description: 'success' },
  }
  if (route.params || route.query || route.body) {
    responses['400'] = errorResponse('invalid request; `issues` names each field')
  }
  if (route.access !== 'public') {
    responses['401'] = errorResponse('missing, invalid or expired token')
    responses['403'] = errorResponse(
      route.access === 'agent'
        ? 'not an agent token (agent routes take agent tokens only)'
        : `the token’s role is below ${route.access}, or it is an agent token`
    )
  }
  if (route.params) {
    responses['404'] = errorResponse('not found')
  }
  if (route.method !== 'GET') {
    responses['409'] = errorResponse('conflict (a taken name, a stale version)')
  }
  if (route.body) {
    responses['413'] = errorResponse('the body (or the manifest in it) is larger than the limit')
  }
  if (rateClassOf(route) !== 'none') {
    responses['429'] = {
      ...errorResponse('rate limit reached (`ordeal server --rate-limit`)'),
      headers: { 'Retry-After': { description: 'seconds', schema: { type: 'integer' } } },
    }
  }
  op['responses'] = responses
  return op
}

function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query'): unknown[] {
  if (!schema) {
    return []
  }
  const json = jsonSchema(schema)
  const properties = (json['properties'] ?? {}) as Record<string, JsonSchema>
  const required = new Set((json['required'] ?? []) as string[])
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: property,
  }))
}

function jsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchema
  return rest
}

/** `GET /api/experiments/:id/versions` → `getApiExperimentsIdVersions`. */
function operationId(route: RouteDef): string {
  const words = route.url
    .split(/[/:{}._-]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
  return route.method.toLowerCase() + words.join('')
}
