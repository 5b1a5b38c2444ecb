import { z } from 'zod'
import { comparator, strictObject } from '../../experiment/schema-parts.js'
import { probeSchema } from '../common-schema.js'
import type { Example } from '../../experiment/example.js'

export const httpProbeSchema = probeSchema(
  'http',
  {
    url: z
      .string({ error: 'must be a URL' })
      .min(1)
      .meta({
        description: 'The URL to request; templates such as `{{proxies.front.port}}` are filled.',
        examples: ['http://127.0.0.1:{{proxies.front.port}}/health'],
      }),
    method: z
      .enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'], {
        error: 'must be one of GET, POST, PUT, PATCH, DELETE, HEAD',
      })
      .optional()
      .meta({ description: 'The HTTP method.', default: 'GET' }),
    headers: z
      .record(z.string(), z.string(), { error: 'must be a map of header names to strings' })
      .optional()
      .describe('Request headers.'),
    body: z.string().optional().describe('Request body.'),
    expect: strictObject({
      status: z
        .union([z.number().int(), z.string().regex(/^(\dxx|\d{3}(-\d{3})?)$/), comparator()], {
          error:
            "must be a status code, a class like '2xx', a range like '200-299' or a comparator",
        })
        .optional()
        .meta({
          description:
            "A code (200), a class ('2xx'), a range ('200-299') or a comparator over the code.",
          default: '2xx',
          examples: [200, '200-299'],
        }),
      bodyContains: z.string().optional().describe('Text the body must contain.'),
      bodyMatches: z.string().optional().describe('A regular expression the body must match.'),
      jsonPath: strictObject({
        path: z
          .string()
          .meta({ description: 'A JSONPath into the JSON body.', examples: ['$.status'] }),
        comparator: comparator().describe('Compared against the value the path selects.'),
      })
        .optional()
        .describe('A value inside a JSON body and the criterion it must meet.'),
    })
      .optional()
      .describe(
        'What the answer must be; every condition given must hold (default: a 2xx status).'
      ),
  },
  'an HTTP request whose status, body text or JSONPath value must meet the criteria.'
)
export type HttpProbeParams = z.output<typeof httpProbeSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const httpProbeExample: Example<z.input<typeof httpProbeSchema>> = {
  system: { proxies: [{ name: 'front', upstream: '127.0.0.1:8000' }] },
  value: {
    name: 'front-answers',
    type: 'http',
    mode: 'Continuous',
    url: 'http://127.0.0.1:{{proxies.front.port}}/',
    expect: { status: 200 },
    runProperties: { timeout: '2s', pollingInterval: '500ms' },
  },
}
