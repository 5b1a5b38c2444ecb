/**
 * The agents of this Chaos Center (`GET /api/agents`), polled every 5 s: which are connected,
 * their labels and version, since when they are connected (or when they were last seen), their
 * last heartbeat, their clock against the server's, and the runs they execute now.
 */
import { Link } from 'react-router'
import type { AgentInfo } from '../../../src/shared/api'
import { ErrorBox } from '../components/Layout'
import { formatClock, formatTime, labelPairs, sortAgents } from '../format'
import { useInterval, useResource } from '../hooks'

const POLL_MS = 5000

export function AgentsPage() {
  const agents = useResource<AgentInfo[]>('/api/agents')
  useInterval(agents.reload, POLL_MS)
  const list = sortAgents(agents.data ?? [])
  return (
    <section>
      <div className="page-head">
        <h1>Agents</h1>
        <span className="muted small">
          {agents.data
            ? `${list.filter((a) => a.connected).length} of ${list.length} connected`
            : ''}
        </span>
      </div>
      <ErrorBox error={agents.error} />
      {agents.data && list.length === 0 ? (
        <div className="card empty muted" data-testid="agents-empty">
          No agents yet. Create a token of role agent (Settings, or{' '}
          <code>ordeal token create --role agent --name NAME</code>), then run{' '}
          <code>ordeal agent --server URL --token-file FILE</code> on the host that should run
          experiments.
        </div>
      ) : (
        <AgentsTable agents={list} />
      )}
    </section>
  )
}

function AgentsTable({ agents }: { agents: AgentInfo[] }) {
  return (
    <table className="table" data-testid="agents-table">
      <thead>
        <tr>
          <th />
          <th>Name</th>
          <th>Labels</th>
          <th>Version</th>
          <th>Connected since / last seen</th>
          <th>Last heartbeat</th>
          <th>Clock</th>
          <th>Running</th>
        </tr>
      </thead>
      <tbody>
        {agents.map((a) => (
          <tr
            key={a.name}
            data-testid="agent-row"
            data-agent={a.name}
            data-connected={String(a.connected)}
          >
            <td>
              <span
                className={`status-dot${a.connected ? ' connected' : ''}`}
                title={a.connected ? 'connected' : 'disconnected'}
              />
            </td>
            <td className="strong" title={[a.hostname, ...a.addresses].filter(Boolean).join(' · ')}>
              {a.name}
            </td>
            <td>
              <span className="chips">
                {labelPairs(a.labels).map((l) => (
                  <span key={l} className="tag">
                    {l}
                  </span>
                ))}
              </span>
            </td>
            <td>{a.version ?? '—'}</td>
            <td>
              {a.connected
                ? formatTime(a.connectedSince)
                : a.disconnectedSince
                  ? `last seen ${formatTime(a.disconnectedSince)}`
                  : 'never connected'}
            </td>
            <td>{formatTime(a.lastHeartbeat)}</td>
            <td title={a.clock ? `round trip ${a.clock.rttMs} ms` : undefined}>
              {formatClock(a.clock)}
            </td>
            <td data-testid="agent-runs">
              {a.runs.length === 0 ? (
                <span className="muted">idle</span>
              ) : (
                a.runs.map((id) => (
                  <Link key={id} to={`/runs/${id}`} className="mono small">
                    {id}
                  </Link>
                ))
              )}
              {a.maxRuns > 1 && (
                <span className="muted small">
                  {' '}
                  ({a.runs.length} of {a.maxRuns})
                </span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
