/**
 * Starts a run that no person pressed a button for: a schedule's tick, a trigger, a gate's
 * `?run=true`. The same two paths as `POST /api/runs` (the server's embedded agent, or a run
 * queued for a remote agent by name or labels), then the cause is stored with the run
 * (`run_causes`), so the run page and the history say why it started.
 * Errors are HttpErrors with one-line messages (busy, unknown agent, invalid manifest): the
 * caller records them on its tick or firing.
 * @module
 */
import type { Actor } from '../auth/actor.js'
import type { ServerContext } from '../context.js'
import type { Experiment, RunSummary } from '../../shared/api.js'
import type { ContinuousPlacement, RunCause } from '../../shared/continuous.js'
import { declaredAgents, placementOf, queueRun } from '../routes/run-placement.js'
import { loadManifest } from '../api/manifest.js'
import { HttpError } from '../http/route.js'

export interface LaunchRequest {
  experiment: Experiment
  cause: RunCause
  /** Absent: the server's embedded agent. */
  placement?: ContinuousPlacement
  /** Absent: the cause itself (`schedule nightly`), with no user id. */
  by?: Actor
}

/** The history's name for a run nobody started by hand: `schedule nightly`, `trigger deploys`. */
export function causeActor(cause: RunCause): Actor {
  const name =
    cause.kind === 'schedule'
      ? `schedule ${cause.schedule}`
      : cause.kind === 'trigger'
        ? `trigger ${cause.trigger}`
        : `gate ${cause.gate}`
  return { id: '', name }
}

export async function launchRun(ctx: ServerContext, request: LaunchRequest): Promise<RunSummary> {
  const { experiment, cause } = request
  const by = request.by ?? causeActor(cause)
  const declared = declaredAgents(experiment.yaml)
  if (declared.length > 0) {
    // A multi-host experiment needs each logical agent mapped; a schedule names one agent.
    throw new HttpError(
      400,
      'validation',
      `experiment ${experiment.name} is multi-host (spec.system.agents): schedules and triggers cannot place it yet`
    )
  }
  const placement = await placementOf(ctx, request.placement ?? {}, declared)
  let run: RunSummary
  if (placement === undefined) {
    run = await ctx.agent.start(experiment, by)
  } else {
    loadManifest(experiment.yaml)
    run = await queueRun(ctx, {
      experiment,
      version: experiment.version,
      placement,
      request: {},
      by,
    })
  }
  await recordCause(ctx, run.id, cause)
  return run
}

export async function recordCause(
  ctx: Pick<ServerContext, 'store'>,
  runId: string,
  cause: RunCause
): Promise<void> {
  await ctx.store.sql.execute(
    'INSERT INTO run_causes (run_id, cause) VALUES ($1, $2) ON CONFLICT (run_id) DO NOTHING',
    [runId, JSON.stringify(cause)]
  )
}

export async function causeOf(
  ctx: Pick<ServerContext, 'store'>,
  runId: string
): Promise<RunCause | undefined> {
  const [row] = await ctx.store.sql.query<{ cause: string }>(
    'SELECT cause FROM run_causes WHERE run_id = $1',
    [runId]
  )
  return row === undefined ? undefined : (JSON.parse(row.cause) as RunCause)
}
