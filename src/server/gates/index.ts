/**
 * Rollout gates (issue 16 §4): "did this experiment's latest run pass, with a score at least
 * the threshold?" as an HTTP status, so Flagger webhooks, Argo Rollouts web metrics and CI
 * jobs use it unchanged: 200 pass, 412 not (with the reason), 504 when a `run=true` run
 * outlives the wait (the run goes on; a later gate call judges it).
 * @module
 */
import type { Experiment } from '../../shared/api.js'
import type { GateAnswer } from '../../shared/continuous.js'
import { formatMs } from '../../shared/units.js'
import { actorOf } from '../auth/actor.js'
import { atLeast } from '../auth/roles.js'
import type { ServerContext } from '../context.js'
import { launchRun } from '../continuous/launch.js'
import { HttpError, notFound, type Caller } from '../http/route.js'
import { judgeRun } from './judge.js'
import { latestEndedRun } from './latest-run.js'
import type { GateRequest } from './options.js'
import { watchRunEnds } from './run-watch.js'

export interface GateCall {
  /** The experiment's name or id. */
  experiment: string
  request: GateRequest
  caller: Caller
  /** Who asks, for a run's cause: `flagger test/podinfo`, else the caller's name. */
  gate: string
}

export interface GateResult {
  status: 200 | 412 | 504
  answer: GateAnswer
}

export async function answerGate(ctx: ServerContext, call: GateCall): Promise<GateResult> {
  const experiment = await findExperiment(ctx, call.experiment)
  const { request } = call
  if (!request.run) {
    // By default only the current version's runs are evidence: a run of a manifest that a git
    // sync or a UI save has since replaced says nothing about the one a rollout will face.
    const version = request.anyVersion ? undefined : experiment.version
    const run = await latestEndedRun(ctx.store.sql, experiment.id, version)
    const rule = { ...request.rule, ...(version !== undefined ? { version } : {}) }
    return result(judgeRun(experiment.name, run, rule, ctx.clock.now()))
  }
  if (!atLeast(call.caller.role, 'editor')) {
    throw new HttpError(
      403,
      'forbidden',
      `run=true starts a run: requires role editor; token has ${call.caller.role}`
    )
  }
  const watch = watchRunEnds(ctx.runEnded, ctx.clock, request.waitMs)
  try {
    const started = await launchRun(ctx, {
      experiment,
      cause: { kind: 'gate', gate: call.gate },
      by: actorOf(call.caller),
      ...(request.placement !== undefined ? { placement: request.placement } : {}),
    })
    const ended = await watch.waitFor(started.id)
    if (ended === undefined) {
      return {
        status: 504,
        answer: {
          experiment: experiment.name,
          pass: false,
          threshold: request.rule.threshold,
          runId: started.id,
          reason: `run ${started.id} still running after ${formatMs(request.waitMs)}; it goes on (ask the gate again without run=true)`,
        },
      }
    }
    // Judged as it ended, whatever maxAge says: it was started for this very question.
    return result(judgeRun(experiment.name, ended, { threshold: request.rule.threshold }, 0))
  } finally {
    watch.close()
  }
}

function result(answer: GateAnswer): GateResult {
  return { status: answer.pass ? 200 : 412, answer }
}

async function findExperiment(ctx: ServerContext, key: string): Promise<Experiment> {
  const experiment =
    (await ctx.store.getExperiment(key)) ?? (await ctx.store.getExperimentByName(key))
  if (!experiment) {
    throw notFound(`experiment ${key}`)
  }
  return experiment
}
