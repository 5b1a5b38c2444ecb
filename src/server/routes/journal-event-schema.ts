/**
 * What the server checks of a recorded journal event before storing it: the envelope (seq, t,
 * type) of every event, and for the types the server itself reads (the metrics, the run page,
 * deriving the result) the fields it reads. A batch with one bad event is refused whole with a
 * 400 naming the field (`body.events[0].plan: Required`), before anything is stored. Unknown
 * types pass (a newer CLI may emit events this server does not know); extra fields pass.
 *
 * Ids and names of steps, faults, probes, checks and services become /metrics labels and run
 * page text, so they follow the shared name rule (src/shared/names.ts): no control or bidi
 * characters (a probe name with U+202E or a newline reached /metrics and the UI, issue 12).
 * @module
 */
import { z } from 'zod'
import { plainTextSchema } from '../api/names.js'
import { MAX_SEQ } from '../store/contract.js'

/** An id or name the server shows or labels with: one line, no control or bidi characters. */
const id = plainTextSchema(500).min(1)
const name = plainTextSchema(500)
const text = z.string().max(64 * 1024)

const plannedProbe = z.looseObject({ id, name: id, type: id, mode: id })

const plannedStep = z.looseObject({
  id,
  name,
  kind: z.enum(['fault', 'load', 'capacity', 'wait', 'serial', 'parallel', 'script']),
  weight: z.number(),
  scored: z.boolean(),
  faultType: id.optional(),
  probes: z.array(plannedProbe),
})

const plannedCheck = z.looseObject({ id, name, type: id.optional(), stepId: id.optional() })

/** The fields read of each event type the server interprets. */
const byType: Record<string, z.ZodType> = {
  'run.started': z.looseObject({
    plan: z.array(plannedStep),
    checks: z.array(plannedCheck).optional(),
    seed: z.number().int().nonnegative().optional(),
  }),
  'step.started': z.looseObject({ stepId: id }),
  'step.ended': z.looseObject({ stepId: id, status: z.enum(['ok', 'error', 'aborted']) }),
  'fault.injected': z.looseObject({
    faultId: id,
    stepId: id,
    faultType: id.optional(),
    targets: z.array(plainTextSchema(64 * 1024)),
  }),
  'fault.action': z.looseObject({ faultId: id.optional() }),
  // The run page shows each drawn wait of a randomised `after` / `interval`.
  'fault.timing': z.looseObject({
    faultId: id,
    field: z.enum(['after', 'interval']),
    n: z.number().int().positive(),
    ms: z.number().nonnegative(),
    minMs: z.number().nonnegative(),
    maxMs: z.number().nonnegative(),
  }),
  'fault.reverted': z.looseObject({ faultId: id }),
  // The run page and the result show the workload and the reason as text.
  'fault.recovery': z.looseObject({
    faultId: id,
    workload: id,
    recovered: z.boolean(),
    ms: z.number().nonnegative().optional(),
    reason: text.optional(),
    error: text.optional(),
  }),
  'fault.failed': z.looseObject({ faultId: id, stepId: id, error: text }),
  'probe.attempt': z.looseObject({ probeId: id, passed: z.boolean() }),
  'probe.verdict': z.looseObject({
    probeId: id,
    stepId: id,
    name: id,
    probeType: id.optional(),
    verdict: z.enum(['Passed', 'Failed', 'N/A']),
  }),
  'check.started': z.looseObject({ checkId: id.optional(), name: name.optional() }),
  'check.result': z.looseObject({
    checkId: id.optional(),
    name: name.optional(),
    checkType: id.optional(),
  }),
  'service.started': z.looseObject({ service: id.optional() }),
  'service.ready': z.looseObject({ service: id.optional() }),
  'service.exited': z.looseObject({ service: id.optional() }),
  'service.restarting': z.looseObject({ service: id.optional() }),
}

export const journalEventSchema = z
  .looseObject({
    seq: z.number().int().nonnegative().max(MAX_SEQ),
    t: z.number(),
    type: plainTextSchema(100).min(1),
  })
  .superRefine((event, ctx) => {
    const schema = byType[event.type]
    if (!schema) {
      return
    }
    const parsed = schema.safeParse(event, {
      error: (issue) =>
        issue.code === 'invalid_type' && issue.input === undefined ? 'Required' : undefined,
    })
    for (const issue of parsed.error?.issues ?? []) {
      ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path })
    }
  })
