/** Params schemas of the built-in probes, in one tuple the experiment schema can union over. */
import type { z } from 'zod'
import type { Example } from '../experiment/example.js'
import { httpProbeExample, httpProbeSchema } from './http/schema.js'
import { cmdProbeExample, cmdProbeSchema } from './cmd/schema.js'
import { tcpProbeExample, tcpProbeSchema } from './tcp/schema.js'
import { sqlProbeExample, sqlProbeSchema } from './sql/schema.js'
import { prometheusProbeExample, prometheusProbeSchema } from './prometheus/schema.js'
import { k8sProbeExample, k8sProbeSchema } from './k8s/schema.js'

export const probeSchemas = [
  httpProbeSchema,
  cmdProbeSchema,
  tcpProbeSchema,
  sqlProbeSchema,
  prometheusProbeSchema,
  k8sProbeSchema,
] as const

export const PROBE_TYPES = probeSchemas.map((s) => s.shape.type.value)

type ProbeParamsInput = z.input<(typeof probeSchemas)[number]>

/**
 * One documented example per probe type, for docs/catalogue.md; keyed by every type of the
 * union, so a probe added to `probeSchemas` without an example does not compile.
 */
export const probeExamples: {
  [T in ProbeParamsInput['type']]: Example<Extract<ProbeParamsInput, { type: T }>>
} = {
  http: httpProbeExample,
  cmd: cmdProbeExample,
  tcp: tcpProbeExample,
  sql: sqlProbeExample,
  prometheus: prometheusProbeExample,
  k8s: k8sProbeExample,
}
