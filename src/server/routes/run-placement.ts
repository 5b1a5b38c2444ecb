/**
 * Placing a run on a remote agent (issue 14, design §4): the placement a request asks for is
 * checked against the agents the store knows (so a typo is a 404 naming the registered ones,
 * not a run queued forever), then the run is created `queued` and handed to the fleet, which
 * dispatches it when a matching agent is connected and free, or times it out.
 * @module
 */
import { newRunId } from '../../engine/run-id.js'
import type { Actor } from '../auth/actor.js'
import type { ServerContext } from '../context.js'
import { HttpError } from '../http/route.js'
import type { Placement, RunSummary } from '../../shared/api.js'
import type { RunBundle } from '../store/contract.js'
import { placementText } from '../fleet/placement.js'

export interface PlacementRequest {
  agent?: string | undefined
  labels?: Record<string, string> | undefined
  /** Milliseconds, already parsed and bounded by the body schema. */
  queueTimeout?: number | undefined
  lease?: number | undefined
}

/** `zone=eu,os=linux`: how labels read in messages and on the CLI (`--agent-label k=v`). */
export const labelsText = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',')

/**
 * The placement the request asks for, if any (none: the embedded agent runs it), checked
 * against the registered agents: agent tokens' names and agents that connected once.
 */
export async function placementOf(
  ctx: ServerContext,
  request: PlacementRequest
): Promise<Placement | undefined> {
  if (request.agent !== undefined && request.labels !== undefined) {
    throw new HttpError(400, 'validation', 'body: give agent or labels, not both')
  }
  if (request.agent !== undefined) {
    const names = await ctx.store.agentNames()
    if (!names.includes(request.agent)) {
      const registered = names.length === 0 ? 'none' : names.join(', ')
      throw new HttpError(
        404,
        'not_found',
        `agent ${request.agent} is not registered (registered: ${registered})`
      )
    }
    return { agent: request.agent }
  }
  if (request.labels !== undefined) {
    const wanted = Object.entries(request.labels)
    const agents = await ctx.store.listAgents()
    if (!agents.some((a) => wanted.every(([key, value]) => a.labels[key] === value))) {
      throw new HttpError(
        404,
        'not_found',
        `no registered agent has labels ${labelsText(request.labels)}`
      )
    }
    return { labels: request.labels }
  }
  return undefined
}

/**
 * Creates the run `queued` with its placement, deadline and lease, stores what it ships
 * (variables, files) before the fleet can dispatch it, and hands it to the fleet.
 */
export async function queueRun(
  ctx: ServerContext,
  args: {
    experiment: { id: string; name: string }
    version: number
    placement: Placement
    request: PlacementRequest
    by: Actor
    bundle?: RunBundle
  }
): Promise<RunSummary> {
  const now = new Date()
  const leaseMs = args.request.lease ?? ctx.fleet.settings.leaseMs
  const queueTimeoutMs = args.request.queueTimeout ?? ctx.fleet.settings.queueTimeoutMs
  const queueDeadline = new Date(now.getTime() + queueTimeoutMs).toISOString()
  const run = await ctx.store.createRun({
    id: newRunId(args.experiment.name, now),
    experimentId: args.experiment.id,
    experimentVersion: args.version,
    source: 'agent',
    status: 'queued',
    placement: args.placement,
    queueDeadline,
    leaseMs,
    startedBy: args.by.id,
    startedByName: args.by.name,
    ...(args.by.via !== undefined ? { startedVia: args.by.via } : {}),
    startedAt: now.toISOString(),
  })
  if (args.bundle !== undefined) {
    try {
      await ctx.store.putBundle(run.id, args.bundle)
    } catch (error) {
      // Never left `queued` without its bundle: a restart would dispatch it without its vars
      // and files. The run ends here with the reason, and the caller gets the error.
      const message = error instanceof Error ? error.message : String(error)
      await ctx.store
        .endQueued(run.id, {
          status: 'finished',
          verdict: 'error',
          score: 0,
          reason: `not started: its files and variables could not be stored: ${message}`,
          endedAt: new Date().toISOString(),
        })
        .catch(() => undefined)
      throw error
    }
  }
  ctx.fleet.place(run, args.placement, { leaseMs, queueDeadline })
  ctx.log(
    `run ${run.id} queued for ${'agent' in args.placement ? `agent ${args.placement.agent}` : 'labels' in args.placement ? `labels ${labelsText(args.placement.labels)}` : `agents ${placementText(args.placement)}`} (by ${args.by.name})`
  )
  return run
}
