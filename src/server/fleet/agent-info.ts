/**
 * `GET /api/agents` rows, pure: every name the store knows (agent tokens and agents that
 * connected) merged with the live connections. Live state wins over the stored row (labels,
 * version and addresses come from the latest hello); a name known only from its token is
 * listed disconnected, so an operator sees the agent they made a token for and never started.
 * @module
 */
import type { AgentInfo } from '../../shared/api.js'
import type { AgentRecord } from '../store/contract.js'
import type { AgentConnection } from './connection.js'

export function agentInfos(
  rows: readonly AgentRecord[],
  names: readonly string[],
  live: ReadonlyMap<string, AgentConnection>,
  /** Runs of a disconnected agent (waiting on their leases). */
  leasedRuns: (name: string) => string[]
): AgentInfo[] {
  const iso = (ms: number) => new Date(ms).toISOString()
  const byName = new Map(rows.map((row) => [row.name, row]))
  const all = new Set([...names, ...byName.keys(), ...live.keys()])
  return [...all].sort().map((name): AgentInfo => {
    const conn = live.get(name)
    const row = byName.get(name)
    const hello = conn?.ready === true ? conn.hello : undefined
    const clock = hello !== undefined ? conn?.clock.estimate() : undefined
    const heartbeat = hello !== undefined ? (conn?.lastPongAt ?? conn?.readyAt) : undefined
    const since = hello !== undefined ? conn?.readyAt : undefined
    return {
      name,
      labels: hello?.labels ?? row?.labels ?? {},
      ...optional('version', hello?.version ?? row?.version),
      ...optional('hostname', hello?.hostname ?? row?.hostname),
      addresses: hello?.addresses ?? row?.addresses ?? [],
      connected: hello !== undefined,
      ...optional('connectedSince', since !== undefined ? iso(since) : undefined),
      ...optional('disconnectedSince', hello === undefined ? row?.disconnectedAt : undefined),
      ...optional('lastHeartbeat', heartbeat !== undefined ? iso(heartbeat) : row?.lastHeartbeatAt),
      ...(clock !== undefined ? { clock } : {}),
      maxRuns: hello?.maxRuns ?? row?.maxRuns ?? 1,
      runs: hello !== undefined && conn !== undefined ? [...conn.runs.keys()] : leasedRuns(name),
    }
  })
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }
}
