import { Link } from 'react-router'
import type { RunSummary } from '../../../src/shared/api'
import {
  durationBetween,
  formatDuration,
  formatScore,
  formatTime,
  formatWhere,
  formatWho,
} from '../format'
import { VerdictBadge } from './VerdictBadge'

/**
 * Runs, newest first: one status badge (running, queued with its reason as tooltip, cancelled,
 * or the verdict once ended), who started it (a user, and the API token's name when CI did), its
 * score as the API and the CLI say it, and where it ran (this server, cli, or the agent).
 * `showExperiment` adds the experiment column for the global runs timeline.
 */
export function RunsTable({
  runs,
  showExperiment = false,
}: {
  runs: RunSummary[]
  showExperiment?: boolean
}) {
  const columns = showExperiment ? 9 : 8
  return (
    <table className="table" data-testid="runs-table">
      <thead>
        <tr>
          <th>Started</th>
          {showExperiment && <th>Experiment</th>}
          <th>Version</th>
          <th>Status</th>
          <th className="num">Score</th>
          <th className="num">Duration</th>
          <th>By</th>
          <th>Where</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.id} data-testid="run-row" data-run-id={r.id} data-status={r.status}>
            <td>{formatTime(r.startedAt)}</td>
            {showExperiment && (
              <td>
                <Link to={`/experiments/${r.experimentId}`} className="strong">
                  {r.experimentName}
                </Link>
              </td>
            )}
            <td>v{r.experimentVersion}</td>
            <td>
              <VerdictBadge
                verdict={r.verdict}
                status={r.status}
                title={r.status === 'queued' ? r.queueReason : undefined}
              />
            </td>
            <td className="num" data-testid="run-row-score">
              {formatScore(r.score)}
            </td>
            <td className="num">{formatDuration(durationBetween(r.startedAt, r.endedAt))}</td>
            <td data-testid="run-row-by">
              {formatWho(r.startedByName, r.startedBy, r.startedVia)}
            </td>
            <td data-testid="run-row-where" data-source={r.source}>
              <span className="tag">{formatWhere(r)}</span>
            </td>
            <td>
              <Link to={`/runs/${r.id}`}>open →</Link>
            </td>
          </tr>
        ))}
        {runs.length === 0 && (
          <tr>
            <td colSpan={columns} className="muted">
              No runs yet.
            </td>
          </tr>
        )}
      </tbody>
    </table>
  )
}
