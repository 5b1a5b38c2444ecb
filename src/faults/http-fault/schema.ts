import { z } from 'zod'
import { duration, faultTiming, strictObject } from '../../experiment/schema-parts.js'
import type { Example } from '../../experiment/example.js'

const HTTP_FAULT =
  'http-fault: errors, delays or resets for a share of the matching requests through an http proxy (xk6-disruptor semantics).'

const statusAction = strictObject({
  status: z
    .number({ error: 'must be an HTTP status' })
    .int()
    .min(100)
    .max(599)
    .meta({
      description: 'Answer with this status without forwarding the request.',
      examples: [503],
    }),
  body: z.string().optional().describe('The body of that answer (default: empty).'),
}).describe('Answer with an error instead of the upstream.')
const delayAction = strictObject({
  delay: duration().meta({
    description: 'Added before the request is forwarded.',
    examples: ['300ms'],
  }),
}).describe('Delay the request, then forward it.')
const resetAction = strictObject({
  reset: z
    .literal(true, { error: 'must be true' })
    .describe("The client's connection is destroyed without an answer."),
}).describe('Drop the connection without an answer.')

export const httpFaultSchema = strictObject({
  type: z.literal('http-fault').describe(HTTP_FAULT),
  proxy: z
    .string({ error: 'must be a proxy name' })
    .meta({ description: 'A `spec.system.proxies` entry of kind http.', examples: ['front'] }),
  match: strictObject({
    method: z
      .string()
      .optional()
      .meta({ description: 'The HTTP method, e.g. POST.', examples: ['POST'] }),
    path: z
      .string()
      .optional()
      .meta({ description: 'A path prefix.', examples: ['/api/orders'] }),
    pathRegex: z
      .string()
      .optional()
      .meta({
        description: 'A regular expression over the path (without the query).',
        examples: ['^/api/orders/\\d+$'],
      }),
    headers: z
      .record(z.string(), z.string(), { error: 'must be a map of strings' })
      .optional()
      .describe('Headers that must be present with exactly these values (names case-insensitive).'),
  })
    .optional()
    .describe(
      'Which requests are affected: every condition given must hold; none = every request.'
    ),
  percent: z
    .number({ error: 'must be a number' })
    .min(0, { error: 'must be between 0 and 100' })
    .max(100, { error: 'must be between 0 and 100' })
    .optional()
    .meta({ description: 'Share of matching requests affected, 0-100.', default: 100 }),
  action: z
    .union([statusAction, delayAction, resetAction], {
      error: 'must be one of { status, body? }, { delay } or { reset: true }',
    })
    .meta({
      description:
        'What happens to an affected request: { status, body? }, { delay } or { reset: true }.',
      examples: [{ status: 503 }, { delay: '300ms' }, { reset: true }],
    }),
  ...faultTiming,
}).describe(HTTP_FAULT)
export type HttpFaultParams = z.output<typeof httpFaultSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const httpFaultExample: Example<z.input<typeof httpFaultSchema>> = {
  system: { proxies: [{ name: 'front', kind: 'http', upstream: '127.0.0.1:8000' }] },
  value: {
    type: 'http-fault',
    proxy: 'front',
    match: { method: 'POST', path: '/orders' },
    percent: 20,
    action: { status: 503, body: 'injected by ordeal' },
    duration: '30s',
  },
}
