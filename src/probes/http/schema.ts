import { z } from 'zod'
import { comparator, strictObject } from '../../experiment/schema-parts.js'
import { probeSchema } from '../common-schema.js'

/** An HTTP request whose status, body text or JSONPath value must meet the criteria. */
export const httpProbeSchema = probeSchema('http', {
  url: z.string({ error: 'must be a URL' }).min(1),
  /** @default 'GET' */
  method: z
    .enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'], {
      error: 'must be one of GET, POST, PUT, PATCH, DELETE, HEAD',
    })
    .optional(),
  headers: z
    .record(z.string(), z.string(), { error: 'must be a map of header names to strings' })
    .optional(),
  body: z.string().optional(),
  expect: strictObject({
    /** A code (200), a class ('2xx'), a range ('200-299') or a comparator over the code. */
    status: z
      .union([z.number().int(), z.string().regex(/^(\dxx|\d{3}(-\d{3})?)$/), comparator()], {
        error: "must be a status code, a class like '2xx', a range like '200-299' or a comparator",
      })
      .optional(),
    bodyContains: z.string().optional(),
    bodyMatches: z.string().optional(),
    jsonPath: strictObject({ path: z.string(), comparator: comparator() }).optional(),
  }).optional(),
})
export type HttpProbeParams = z.output<typeof httpProbeSchema>
