import { useState } from 'react'
import { Link, useNavigate, useSearchParams } from 'react-router'
import type { ExperimentSummary, RunSummary } from '../../../src/shared/api'
import { api, errorMessage } from '../api/client'
import {
  filterQuery,
  matchesExperiment,
  runningCount,
  type ExperimentFilter,
} from '../components/experiment-filter'
import { ErrorBox } from '../components/Layout'
import { Sparkline } from '../components/Sparkline'
import { VerdictBadge } from '../components/VerdictBadge'
import { formatScore, formatTime } from '../format'
import { useDebounced, useInterval, useResource } from '../hooks'
import { originLine, shortCommit } from '../continuous-format'

/**
 * The experiments, with a search box and label filters kept in the URL (`?q=&label=k=v`), so a
 * filtered list can be shared as a link; a running indicator per experiment.
 */
export function ExperimentsPage() {
  const [params, setParams] = useSearchParams()
  const filter: ExperimentFilter = { q: params.get('q') ?? '', labels: params.getAll('label') }
  const [search, setSearch] = useState(filter.q)
  const q = useDebounced(search, 250)
  const query = filterQuery({ q, labels: filter.labels })
  const experiments = useResource<ExperimentSummary[]>(`/api/experiments${query}`)
  const navigate = useNavigate()
  const [starting, setStarting] = useState<string>()
  const [error, setError] = useState<string>()
  const shown = experiments.data?.filter((e) => matchesExperiment(e, { q, labels: filter.labels }))
  const anyRunning = experiments.data?.some((e) => runningCount(e) > 0) ?? false
  // Keep "running" badges honest without a stream per row.
  useInterval(experiments.reload, 3000, anyRunning)

  function setFilter(next: ExperimentFilter) {
    const p = new URLSearchParams()
    if (next.q !== '') {
      p.set('q', next.q)
    }
    for (const l of next.labels) {
      p.append('label', l)
    }
    setParams(p, { replace: true })
  }

  function onSearch(value: string) {
    setSearch(value)
    setFilter({ q: value, labels: filter.labels })
  }

  function addLabel(label: string) {
    if (!filter.labels.includes(label)) {
      setFilter({ q: search, labels: [...filter.labels, label] })
    }
  }

  function removeLabel(label: string) {
    setFilter({ q: search, labels: filter.labels.filter((l) => l !== label) })
  }

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

  const filtered = q.trim() !== '' || filter.labels.length > 0
  return (
    <section>
      <div className="page-head">
        <h1>Experiments</h1>
        <Link to="/experiments/new" className="button primary" data-testid="new-experiment">
          New experiment
        </Link>
      </div>
      <div className="filter-bar">
        <input
          type="search"
          className="search"
          placeholder="Search name or hypothesis"
          aria-label="Search experiments"
          data-testid="experiment-search"
          value={search}
          onChange={(e) => onSearch(e.target.value)}
        />
        {filter.labels.map((l) => (
          <button
            key={l}
            type="button"
            className="chip active"
            data-testid="label-filter"
            data-label={l}
            title="Remove this filter"
            onClick={() => removeLabel(l)}
          >
            {l} ×
          </button>
        ))}
        {filter.labels.length === 0 && (
          <span className="muted small">Click a label to filter by it.</span>
        )}
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
          {shown?.map((e) => {
            const running = runningCount(e)
            return (
              <tr key={e.id} data-testid="experiment-row" data-name={e.name}>
                <td>
                  <Link to={`/experiments/${e.id}`} className="strong">
                    {e.name}
                  </Link>
                  {running > 0 && (
                    <span
                      className="running-pill"
                      data-testid="running-indicator"
                      data-count={running}
                      title={`${running} run${running === 1 ? '' : 's'} in progress`}
                    >
                      <span className="dot" /> {running} running
                    </span>
                  )}
                  {e.origin && (
                    <span
                      className="tag tag-git"
                      data-testid="git-managed"
                      title={`${originLine(e.origin)} (read-only here)`}
                    >
                      git {shortCommit(e.origin.commit)}
                    </span>
                  )}
                  <div className="chips">
                    {Object.entries(e.labels ?? {}).map(([k, v]) => (
                      <button
                        key={k}
                        type="button"
                        className="chip"
                        data-testid="label-chip"
                        data-label={`${k}=${v}`}
                        title="Filter by this label"
                        onClick={() => addLabel(`${k}=${v}`)}
                      >
                        {k}={v}
                      </button>
                    ))}
                  </div>
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
                <td className="num" data-testid="experiment-last-score">
                  {formatScore(e.lastRun?.score)}
                </td>
                <td>
                  <Sparkline points={e.recentScores} />
                </td>
                <td className="muted small">{formatTime(e.lastRun?.startedAt)}</td>
                <td className="actions">
                  <button
                    type="button"
                    onClick={() => void run(e)}
                    disabled={starting !== undefined}
                  >
                    {starting === e.id ? 'Starting…' : 'Run'}
                  </button>
                </td>
              </tr>
            )
          })}
          {shown?.length === 0 && (
            <tr>
              <td colSpan={8} className="empty" data-testid="experiments-empty">
                {filtered ? (
                  'No experiment matches this filter.'
                ) : (
                  <>
                    No experiments yet.{' '}
                    <Link to="/experiments/new">Create one from a template</Link>.
                  </>
                )}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  )
}
