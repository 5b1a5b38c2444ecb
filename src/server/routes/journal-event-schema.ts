/**
 * What the server checks of a recorded journal event before storing it: the envelope (seq, t,
 * type) of every event, and for the types the server itself reads (the metrics, the run page,
 * deriving the result) the fields it reads. A batch with one bad event is refused whole with a
 * 400 naming the field (`body.events[0].plan: Required`), before anything is stored. Unknown
 * types pass (a newer CLI may emit events this server does not know); extra fields pass.
 * @module
 */
import { z } from 'zod'
import { MAX_SEQ } from '../store/contract.js'

const id = z.string().min(1).max(500)
const text = z.string().max(64 * 1024)

const plannedProbe = z.looseObject({ id, name: id, type: id, mode: id })

const plannedStep = z.looseObject({
  id,
  name: z.string().max(500),
  kind: z.enum(['fault', 'load', 'wait', 'serial', 'parallel']),
  weight: z.number(),
  scored: z.boolean(),
  probes: z.array(plannedProbe),
})

/** The fields read of each event type the server interprets. */
const byType: Record<string, z.ZodType> = {
  'run.started': z.looseObject({ plan: z.array(plannedStep) }),
  'step.started': z.looseObject({ stepId: id }),
  'step.ended': z.looseObject({ stepId: id, status: z.enum(['ok', 'error', 'aborted']) }),
  'fault.injected': z.looseObject({ faultId: id, stepId: id, targets: z.array(text) }),
  'fault.reverted': z.looseObject({ faultId: id }),
  'fault.failed': z.looseObject({ faultId: id, stepId: id, error: text }),
  'probe.attempt': z.looseObject({ probeId: id, passed: z.boolean() }),
  'probe.verdict': z.looseObject({
    probeId: id,
    stepId: id,
    name: id,
    verdict: z.enum(['Passed', 'Failed', 'N/A']),
  }),
}

export const journalEventSchema = z
  .looseObject({
    seq: z.number().int().nonnegative().max(MAX_SEQ),
    t: z.number(),
    type: z.string().min(1).max(100),
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
