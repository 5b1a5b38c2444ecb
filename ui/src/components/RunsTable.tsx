import { Link } from 'react-router'
import type { RunSummary } from '../../../src/shared/api'
import { durationBetween, formatDuration, formatScore, formatTime } from '../format'
import { VerdictBadge } from './VerdictBadge'

export function RunsTable({ runs }: { runs: RunSummary[] }) {
  return (
    <table className="table" data-testid="runs-table">
      <thead>
        <tr>
          <th>Started</th>
          <th>Source</th>
          <th>Status</th>
          <th>Verdict</th>
          <th className="num">Score</th>
          <th className="num">Duration</th>
          <th>Version</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.id} data-testid="run-row">
            <td>{formatTime(r.startedAt)}</td>
            <td>
              <span className="tag">{r.source}</span>
            </td>
            <td>{r.status}</td>
            <td>
              {r.status === 'running' ? (
                <VerdictBadge status="running" />
              ) : (
                <VerdictBadge verdict={r.verdict} status={r.status} />
              )}
            </td>
            <td className="num">{formatScore(r.score)}</td>
            <td className="num">{formatDuration(durationBetween(r.startedAt, r.endedAt))}</td>
            <td>v{r.experimentVersion}</td>
            <td>
              <Link to={`/runs/${r.id}`}>open →</Link>
            </td>
          </tr>
        ))}
        {runs.length === 0 && (
          <tr>
            <td colSpan={8} className="muted">
              No runs yet.
            </td>
          </tr>
        )}
      </tbody>
    </table>
  )
}
