/**
 * Every run of every experiment, newest first (`GET /api/runs`): what the team ran lately, CI's
 * runs beside the UI's. Paged with `before` (the last run shown), filtered by status, each run
 * linked to its page and to its experiment. The newest page refreshes while a run is running
 * or queued.
 */
import { useEffect, useState } from 'react'
import { useSearchParams } from 'react-router'
import type { RunStatus, RunSummary } from '../../../src/shared/api'
import { api, errorMessage } from '../api/client'
import { ErrorBox } from '../components/Layout'
import { RunsTable } from '../components/RunsTable'
import { useInterval } from '../hooks'

/** Runs per page; `?limit=N` in the URL overrides it (1..500, the API's bounds). */
const PAGE = 50
const STATUSES: readonly RunStatus[] = ['queued', 'running', 'finished', 'interrupted', 'cancelled']

export function RunsPage() {
  const [params, setParams] = useSearchParams()
  const status = STATUSES.find((s) => s === params.get('status'))
  const asked = Number(params.get('limit'))
  const limit = Number.isInteger(asked) && asked >= 1 && asked <= 500 ? asked : PAGE
  const [runs, setRuns] = useState<RunSummary[]>([])
  const [more, setMore] = useState(false)
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState<string>()

  async function fetchPage(before: string | undefined): Promise<RunSummary[]> {
    const p = new URLSearchParams({ limit: String(limit) })
    if (status) {
      p.set('status', status)
    }
    if (before !== undefined) {
      p.set('before', before)
    }
    return api.get<RunSummary[]>(`/api/runs?${p.toString()}`)
  }

  async function load(before: string | undefined) {
    setLoading(true)
    try {
      const page = await fetchPage(before)
      setRuns((shown) => (before === undefined ? page : [...shown, ...page]))
      // A full page may be followed by more; a short one was the last.
      setMore(page.length === limit)
      setError(undefined)
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setLoading(false)
    }
  }

  useEffect(() => {
    void load(undefined)
  }, [status, limit])

  // New runs and ended ones show up without a reload, as long as only the newest page is shown.
  const refresh = async () => {
    try {
      const page = await fetchPage(undefined)
      setRuns((shown) => (shown.length <= limit ? page : shown))
    } catch {
      // The next tick tries again; the list on screen stays.
    }
  }
  useInterval(
    () => void refresh(),
    3000,
    runs.some((r) => r.status === 'running' || r.status === 'queued')
  )

  function setStatus(value: string) {
    const p = new URLSearchParams(params)
    if (value === '') {
      p.delete('status')
    } else {
      p.set('status', value)
    }
    setParams(p, { replace: true })
  }

  return (
    <section>
      <div className="page-head">
        <h1>Runs</h1>
      </div>
      <div className="filter-bar">
        <label className="small">
          Status{' '}
          <select
            data-testid="runs-status-filter"
            value={status ?? ''}
            onChange={(e) => setStatus(e.target.value)}
          >
            <option value="">all</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <span className="muted small">All experiments, newest first.</span>
      </div>
      <ErrorBox error={error} />
      <RunsTable runs={runs} showExperiment />
      <div className="pager">
        <button
          type="button"
          data-testid="older-runs"
          disabled={loading || !more}
          onClick={() => void load(runs.at(-1)?.id)}
        >
          {loading ? 'Loading…' : more ? 'Older runs' : 'No older runs'}
        </button>
        <span className="muted small">{runs.length} shown</span>
      </div>
    </section>
  )
}
