import { z } from 'zod'
import { faultTiming, strictObject } from '../../experiment/schema-parts.js'
import { toxicAttributes, toxicTypes } from '../../proxy/toxic-spec.js'
import { toxicAttributeUnits } from './attributes.js'
import type { Example } from '../../experiment/example.js'

const PROXY_TOXIC =
  "proxy-toxic: a Toxiproxy toxic on one of the run's `spec.system.proxies` (kind tcp) for the duration: latency, bandwidth, timeout, reset_peer, ... with Toxiproxy's attribute names."

/** `latency: latency (ms), jitter (ms); bandwidth: rate (KB/s); ...` for the docs. */
const attributesByType = toxicTypes
  .filter((t) => toxicAttributes[t].length > 0)
  .map(
    (t) =>
      `${t}: ${toxicAttributes[t].map((a) => `${a} (${toxicAttributeUnits[t][a]})`).join(', ')}`
  )
  .join('; ')

export const proxyToxicSchema = strictObject({
  type: z.literal('proxy-toxic').describe(PROXY_TOXIC),
  proxy: z
    .string({ error: 'must be a proxy name' })
    .meta({ description: 'A `spec.system.proxies` entry of kind tcp.', examples: ['front'] }),
  toxic: strictObject({
    type: z
      .enum(toxicTypes, { error: `must be one of ${toxicTypes.join(', ')}` })
      .meta({ description: 'The Toxiproxy toxic type.', examples: ['latency'] }),
    attributes: z
      .record(z.string(), z.number().int().min(0), {
        error: 'must be a map of attribute names to non-negative integers',
      })
      .optional()
      .meta({
        description: `The toxic's attributes, whole numbers; each type takes its own, and any other name is an error. ${attributesByType}.`,
        examples: [{ latency: 300, jitter: 50 }],
      }),
    stream: z
      .enum(['upstream', 'downstream'], { error: "must be 'upstream' or 'downstream'" })
      .optional()
      .meta({
        description:
          'downstream: data from the upstream to the client; upstream: client to upstream.',
        default: 'downstream',
      }),
    toxicity: z
      .number({ error: 'must be a number' })
      .min(0, { error: 'must be between 0 and 1' })
      .max(1, { error: 'must be between 0 and 1' })
      .optional()
      .meta({ description: 'Fraction of connections affected, 0-1.', default: 1 }),
  }).describe('The toxic, as Toxiproxy defines it.'),
  ...faultTiming,
}).describe(PROXY_TOXIC)
export type ProxyToxicParams = z.output<typeof proxyToxicSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const proxyToxicExample: Example<z.input<typeof proxyToxicSchema>> = {
  system: { proxies: [{ name: 'front', upstream: '127.0.0.1:8000' }] },
  value: {
    type: 'proxy-toxic',
    proxy: 'front',
    toxic: { type: 'latency', attributes: { latency: 300, jitter: 50 } },
    duration: '30s',
  },
}
