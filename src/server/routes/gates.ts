/**
 * Rollout gates: `GET` for Argo Rollouts web metrics, CI jobs and curl (token in the
 * Authorization header), `POST` for Flagger webhooks, which send JSON `{name, namespace,
 * phase, metadata}` and no custom headers: their token travels in `metadata.token`, read by
 * the app's authentication for this route only (`tokenFromBody`), never logged nor echoed.
 * @module
 */
import { z } from 'zod'
import { defineRoute, type RouteDef, type RouteInput } from '../http/route.js'
import type { FastifyReply } from 'fastify'
import { idSchema } from '../api/names.js'
import { answerGate } from '../gates/index.js'
import {
  flaggerBody,
  gateQuery,
  gateRequest,
  metadataOptions,
  type FlaggerBody,
  type GateQuery,
} from '../gates/options.js'
import { actorOf } from '../auth/actor.js'

const gateParams = z.strictObject({ experiment: idSchema })

export const gateAnswerSchema = z.object({
  experiment: z.string(),
  pass: z.boolean(),
  threshold: z.number(),
  reason: z.string(),
  runId: z.string().optional(),
  verdict: z.enum(['pass', 'fail', 'error', 'interrupted']).optional(),
  score: z.number().optional(),
})

/** A Flagger payload is a few hundred bytes; it is read before its token is checked. */
const GATE_BODY_LIMIT = 16 * 1024

const summary =
  "Whether the experiment's latest ended run of its current version (any version with `anyVersion=true`) passed with a score ≥ threshold (200) or not (412, with the reason; a disproved hypothesis passes only a threshold below 100); `run=true` starts a run now (editor) and waits for its verdict (504 past `timeout`)"

type GateInput = RouteInput<{ experiment: string }, GateQuery, FlaggerBody>

async function handleGate(input: GateInput): Promise<FastifyReply> {
  const { params, query, body, caller, ctx, reply } = input
  const request = gateRequest(query, metadataOptions(body?.metadata))
  const flagger =
    body?.name !== undefined ? `flagger ${body.namespace ?? 'default'}/${body.name}` : undefined
  const actor = actorOf(caller!)
  const { status, answer } = await answerGate(ctx, {
    experiment: params.experiment,
    request,
    caller: caller!,
    gate: flagger ?? (actor.via !== undefined ? `${actor.name} (token ${actor.via})` : actor.name),
  })
  return reply.code(status).type('application/json; charset=utf-8').send(answer)
}

export const gateRoutes: RouteDef[] = [
  defineRoute({
    method: 'GET',
    url: '/api/gates/:experiment',
    access: 'viewer',
    tag: 'gates',
    summary,
    params: gateParams,
    query: gateQuery,
    response: gateAnswerSchema,
    raw: true,
    // `run=true` starts a run, even on GET (an Argo web metric's default method): the write
    // budget, as POST /api/runs spends. A poll every few seconds is far below it.
    rate: 'write',
    handler: handleGate,
  }),
  defineRoute({
    method: 'POST',
    url: '/api/gates/:experiment',
    access: 'viewer',
    tag: 'gates',
    summary: `${summary}. Takes Flagger's webhook payload: the token may be sent as metadata.token, the gate's fields as metadata strings`,
    params: gateParams,
    query: gateQuery,
    body: flaggerBody,
    response: gateAnswerSchema,
    raw: true,
    bodyLimit: GATE_BODY_LIMIT,
    tokenFromBody: (body) => {
      const token = (body as { metadata?: { token?: unknown } } | undefined)?.metadata?.token
      return typeof token === 'string' ? token : undefined
    },
    handler: handleGate,
  }),
]
