/** Params schemas of the built-in probes, in one tuple the experiment schema can union over. */
import { httpProbeSchema } from './http/schema.js'
import { cmdProbeSchema } from './cmd/schema.js'
import { tcpProbeSchema } from './tcp/schema.js'
import { sqlProbeSchema } from './sql/schema.js'
import { prometheusProbeSchema } from './prometheus/schema.js'

export const probeSchemas = [
  httpProbeSchema,
  cmdProbeSchema,
  tcpProbeSchema,
  sqlProbeSchema,
  prometheusProbeSchema,
] as const

export const PROBE_TYPES = probeSchemas.map((s) => s.shape.type.value)
