/**
 * Which connected agent takes a queued run, or why none does, pure. Candidates are agents that
 * are connected (welcomed), have a free slot and match the placement: the name, or every
 * label. The one running the fewest runs wins, then the first by name, so placement is
 * deterministic. Reasons are the one line the run page and `ordeal run` show while a run waits
 * (design §4): they name the agent or the labels, and what is missing.
 * @module
 */
import type { Placement } from '../../shared/api.js'

/** What placement needs to know of one agent (live or only known from the store). */
export interface AgentView {
  name: string
  labels: Record<string, string>
  /** Connected and welcomed. */
  connected: boolean
  maxRuns: number
  /** Runs it executes or was sent (a dispatched run holds its slot until answered). */
  running: readonly string[]
  /** When it was last connected (ms), for "last seen 3m ago"; absent: never connected. */
  lastSeenAt?: number
  /** Its hello's `features` (`parts`: it runs parts of multi-host runs); absent: none. */
  features?: readonly string[]
}

/**
 * One agent for a whole run, every logical host's agent at once for a multi-host run (`parts`:
 * logical → agent, each with a free slot), or why not.
 */
export type Choice = { agent: string } | { parts: Record<string, string> } | { reason: string }

export function matches(placement: Placement, agent: Pick<AgentView, 'name' | 'labels'>): boolean {
  if ('agent' in placement) {
    return agent.name === placement.agent
  }
  if ('parts' in placement) {
    return Object.values(placement.parts).includes(agent.name)
  }
  return Object.entries(placement.labels).every(([key, value]) => agent.labels[key] === value)
}

export function hasFreeSlot(agent: AgentView): boolean {
  return agent.running.length < agent.maxRuns
}

/** `zone=eu,tier=edge` (sorted, so the reason does not change with key order). */
export function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join(',')
}

/** `edge-1` or `labels zone=eu`: the placement in reasons. */
export function placementText(placement: Placement): string {
  if ('parts' in placement) {
    return partsText(placement.parts)
  }
  return 'agent' in placement ? placement.agent : `labels ${labelText(placement.labels)}`
}

/** `a=edge-1 b=edge-2`: a multi-host run's logical hosts and the agents they go to. */
export function partsText(parts: Record<string, string>): string {
  return Object.entries(parts)
    .map(([logical, agent]) => `${logical}=${agent}`)
    .join(' ')
}

export function choose(placement: Placement, agents: readonly AgentView[], now: number): Choice {
  if ('parts' in placement) {
    return chooseParts(placement.parts, agents, now)
  }
  const matching = agents.filter((agent) => matches(placement, agent))
  const connected = matching.filter((agent) => agent.connected)
  const free = connected.filter(hasFreeSlot)
  if (free.length > 0) {
    const best = free.reduce((a, b) =>
      b.running.length < a.running.length ||
      (b.running.length === a.running.length && b.name < a.name)
        ? b
        : a
    )
    return { agent: best.name }
  }
  if ('agent' in placement) {
    const agent = connected[0]
    if (agent !== undefined) {
      return {
        reason: `agent ${agent.name} is busy (run ${agent.running.join(', ')}, ${agent.running.length} of ${agent.maxRuns})`,
      }
    }
    const known = matching[0]?.lastSeenAt
    const seen = known === undefined ? 'never connected' : `last seen ${ago(now - known)} ago`
    return { reason: `no agent named ${placement.agent} is connected (${seen})` }
  }
  const labels = labelText(placement.labels)
  return connected.length === 0
    ? { reason: `no connected agent has labels ${labels}` }
    : { reason: `every connected agent with labels ${labels} is busy` }
}

/**
 * A multi-host run takes every named agent at once or none (design §6): a part started alone
 * would hold its host while it waits for the others. The reason names the first logical host,
 * in manifest order, that stops it. Each logical host has its own agent (the CLI and the API
 * refuse one agent for two), and only an agent whose hello offers `parts` can run one.
 */
export function chooseParts(
  parts: Record<string, string>,
  agents: readonly AgentView[],
  now: number
): Choice {
  for (const [logical, name] of Object.entries(parts)) {
    const agent = agents.find((view) => view.name === name && view.connected)
    if (agent === undefined) {
      const known = agents.find((view) => view.name === name)?.lastSeenAt
      const seen = known === undefined ? 'never connected' : `last seen ${ago(now - known)} ago`
      return { reason: `agent ${name} (${logical}) is not connected (${seen})` }
    }
    if (agent.features?.includes('parts') !== true) {
      return {
        reason: `agent ${name} (${logical}) is too old for multi-host runs (no 'parts' feature)`,
      }
    }
    if (!hasFreeSlot(agent)) {
      return {
        reason: `agent ${name} (${logical}) is busy (run ${agent.running.join(', ')}, ${agent.running.length} of ${agent.maxRuns})`,
      }
    }
  }
  return { parts: { ...parts } }
}

/**
 * `under a minute`, `3m`, `2h`, `4d`: coarse on purpose, since a reason is stored and published
 * each time its text changes, and the scheduler re-evaluates every second.
 */
export function ago(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  if (s < 60) {
    return 'under a minute'
  }
  if (s < 3600) {
    return `${Math.floor(s / 60)}m`
  }
  return s < 86_400 ? `${Math.floor(s / 3600)}h` : `${Math.floor(s / 86_400)}d`
}
