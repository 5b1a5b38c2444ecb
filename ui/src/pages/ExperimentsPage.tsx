import { useState } from 'react'
import { Link, useNavigate } from 'react-router'
import type { ExperimentSummary, RunSummary } from '../../../src/shared/api'
import { api, errorMessage } from '../api/client'
import { ErrorBox } from '../components/Layout'
import { Sparkline } from '../components/Sparkline'
import { VerdictBadge } from '../components/VerdictBadge'
import { formatScore, formatTime } from '../format'
import { useInterval, useResource } from '../hooks'

export function ExperimentsPage() {
  const experiments = useResource<ExperimentSummary[]>('/api/experiments')
  const navigate = useNavigate()
  const [starting, setStarting] = useState<string>()
  const [error, setError] = useState<string>()
  const anyRunning = experiments.data?.some((e) => e.lastRun?.status === 'running') ?? false
  // Keep "running" badges honest without a stream per row.
  useInterval(experiments.reload, 3000, anyRunning)

  async function run(e: ExperimentSummary) {
    setStarting(e.id)
    setError(undefined)
    try {
      const r = await api.post<RunSummary>('/api/runs', { experimentId: e.id })
      void navigate(`/runs/${r.id}`)
    } catch (err) {
      setError(`${e.name}: ${errorMessage(err)}`)
      setStarting(undefined)
    }
  }

  return (
    <section>
      <div className="page-head">
        <h1>Experiments</h1>
        <Link to="/experiments/new" className="button primary" data-testid="new-experiment">
          New experiment
        </Link>
      </div>
      <ErrorBox error={experiments.error ?? error} />
      <table className="table" data-testid="experiments-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Hypothesis</th>
            <th className="num">Version</th>
            <th>Last verdict</th>
            <th className="num">Last score</th>
            <th>Recent scores</th>
            <th>Last run</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {experiments.data?.map((e) => (
            <tr key={e.id} data-testid="experiment-row" data-name={e.name}>
              <td>
                <Link to={`/experiments/${e.id}`} className="strong">
                  {e.name}
                </Link>
              </td>
              <td className="hypothesis" title={e.hypothesis}>
                {e.hypothesis}
              </td>
              <td className="num">v{e.version}</td>
              <td>
                {e.lastRun ? (
                  <Link to={`/runs/${e.lastRun.runId}`}>
                    <VerdictBadge status={e.lastRun.status} verdict={e.lastRun.verdict} />
                  </Link>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
              <td className="num">{formatScore(e.lastRun?.score)}</td>
              <td>
                <Sparkline points={e.recentScores} />
              </td>
              <td className="muted small">{formatTime(e.lastRun?.startedAt)}</td>
              <td className="actions">
                <button type="button" onClick={() => void run(e)} disabled={starting !== undefined}>
                  {starting === e.id ? 'Starting…' : 'Run'}
                </button>
              </td>
            </tr>
          ))}
          {experiments.data?.length === 0 && (
            <tr>
              <td colSpan={8} className="empty">
                No experiments yet. <Link to="/experiments/new">Create one from a template</Link>.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  )
}
