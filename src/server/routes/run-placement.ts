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
import { didYouMean } from '../../experiment/did-you-mean.js'
import { multiHostHint } from '../../experiment/agent-semantics.js'
import { parseManifestYaml } from '../../experiment/load.js'
import { checkManifestSize, MANIFEST_FILE } from '../api/manifest.js'

export interface PlacementRequest {
  agent?: string | undefined
  labels?: Record<string, string> | undefined
  /** A multi-host experiment: each logical agent onto a registered agent. */
  agents?: Record<string, string> | undefined
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
 * against the manifest's logical agents (`declared`, from {@link declaredAgents}: a multi-host
 * experiment goes only to its agents, one per logical host) and the registered agents: agent
 * tokens' names and agents that connected once.
 */
export async function placementOf(
  ctx: ServerContext,
  request: PlacementRequest,
  declared: readonly string[]
): Promise<Placement | undefined> {
  if (
    request.agents !== undefined &&
    (request.agent !== undefined || request.labels !== undefined)
  ) {
    throw new HttpError(
      400,
      'validation',
      'body: give agents (a multi-host experiment) without agent or labels'
    )
  }
  if (request.agent !== undefined && request.labels !== undefined) {
    throw new HttpError(400, 'validation', 'body: give agent or labels, not both')
  }
  if (request.agents !== undefined) {
    return { parts: await partsOf(ctx, request.agents, declared) }
  }
  if (declared.length > 0) {
    throw new HttpError(400, 'validation', `body.agents: ${multiHostHint(declared)}`)
  }
  if (request.agent !== undefined) {
    await registered(ctx, [request.agent])
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

/** `agents` of a multi-host run: exactly the declared logical agents, each on a registered agent. */
async function partsOf(
  ctx: ServerContext,
  parts: Record<string, string>,
  declared: readonly string[]
): Promise<Record<string, string>> {
  if (declared.length === 0) {
    throw new HttpError(
      400,
      'validation',
      'body.agents: the experiment declares no spec.system.agents (give agent or labels)'
    )
  }
  for (const logical of Object.keys(parts)) {
    if (!declared.includes(logical)) {
      throw new HttpError(
        400,
        'validation',
        `body.agents.${logical}: no logical agent named '${logical}' in spec.system.agents${didYouMean(logical, declared)}`
      )
    }
  }
  const missing = declared.find((logical) => !Object.hasOwn(parts, logical))
  if (missing !== undefined) {
    throw new HttpError(400, 'validation', `body.agents: logical agent ${missing} has no agent`)
  }
  await registered(ctx, Object.values(parts))
  return { ...parts }
}

/** 404 naming the registered agents when one of `names` is not one of them. */
async function registered(ctx: ServerContext, names: readonly string[]): Promise<void> {
  const known = await ctx.store.agentNames()
  const unknown = names.find((name) => !known.includes(name))
  if (unknown !== undefined) {
    const list = known.length === 0 ? 'none' : known.join(', ')
    throw new HttpError(
      404,
      'not_found',
      `agent ${unknown} is not registered (registered: ${list})`
    )
  }
}

/**
 * The logical agents a manifest declares (`spec.system.agents[].name`), read from its YAML
 * before the full load, so a placement that does not fit is refused before an experiment or a
 * version is created. A manifest that does not parse declares none here; its load says why.
 */
export function declaredAgents(yaml: string): string[] {
  let root: unknown
  try {
    checkManifestSize(yaml)
    root = parseManifestYaml(yaml, MANIFEST_FILE)
  } catch {
    return []
  }
  const agents = (root as { spec?: { system?: { agents?: unknown } } } | null)?.spec?.system?.agents
  if (!Array.isArray(agents)) {
    return []
  }
  return agents
    .map((a) => (a as { name?: unknown } | null)?.name)
    .filter((name): name is string => typeof name === 'string')
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
