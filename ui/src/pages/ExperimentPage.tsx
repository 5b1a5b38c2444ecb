import { useEffect, useState } from 'react'
import { useNavigate, useParams } from 'react-router'
import type { AgentInfo, Experiment, RunSummary } from '../../../src/shared/api'
import { api, ApiRequestError, errorMessage } from '../api/client'
import { ErrorBox } from '../components/Layout'
import { RunsTable } from '../components/RunsTable'
import { ScoreHistory } from '../components/ScoreHistory'
import { VersionsList } from '../components/VersionsList'
import { YamlEditor } from '../components/YamlEditor'
import type { Validity } from '../components/YamlEditor'
import { useInterval, useResource } from '../hooks'
import { ValidityNote } from './NewExperimentPage'
import { PlacementPicker, placementBody, type PlacementChoice } from '../components/PlacementPicker'
import { ContinuousSections } from '../components/continuous/ContinuousSections'
import { GitOriginBanner } from '../components/continuous/GitOriginBanner'

export function ExperimentPage() {
  const { id = '' } = useParams()
  const navigate = useNavigate()
  const base = `/api/experiments/${encodeURIComponent(id)}`
  const experiment = useResource<Experiment>(base)
  const runs = useResource<RunSummary[]>(
    `/api/runs?experimentId=${encodeURIComponent(id)}&limit=100`
  )
  const [draft, setDraft] = useState<string>()
  const [validity, setValidity] = useState<Validity>('checking')
  const [saving, setSaving] = useState(false)
  const [conflict, setConflict] = useState(false)
  const [notice, setNotice] = useState<string>()
  const [error, setError] = useState<string>()
  const [starting, setStarting] = useState(false)
  const agents = useResource<AgentInfo[]>('/api/agents')
  const [placement, setPlacement] = useState<PlacementChoice>({ kind: 'server' })

  const e = experiment.data
  // The draft starts as the saved manifest; it is reset when another version is loaded.
  useEffect(() => {
    if (e && draft === undefined) {
      setDraft(e.yaml)
    }
  }, [e, draft])
  useInterval(
    runs.reload,
    3000,
    runs.data?.some((r) => r.status === 'running' || r.status === 'queued') ?? false
  )

  const dirty = e !== undefined && draft !== undefined && draft !== e.yaml

  async function save() {
    if (!e || draft === undefined) {
      return
    }
    setSaving(true)
    setError(undefined)
    setNotice(undefined)
    try {
      const saved = await api.put<Experiment>(base, { yaml: draft, expectedVersion: e.version })
      experiment.set(saved)
      setDraft(saved.yaml)
      setConflict(false)
      setNotice(`Saved as version ${saved.version}.`)
    } catch (err) {
      if (err instanceof ApiRequestError && err.status === 409) {
        // A 409 is a newer version, or the experiment became git-managed meanwhile (a sync):
        // the latter is no conflict to resolve here; the page turns read-only and says why.
        const latest = await api.get<Experiment>(base).catch(() => undefined)
        if (latest?.origin) {
          experiment.set(latest)
          setDraft(latest.yaml)
          setError(errorMessage(err))
        } else {
          setConflict(true)
        }
      } else {
        setError(errorMessage(err))
      }
    } finally {
      setSaving(false)
    }
  }

  async function loadLatest() {
    const latest = await api.get<Experiment>(base)
    experiment.set(latest)
    setDraft(latest.yaml)
    setConflict(false)
  }

  async function start() {
    const where = placementBody(placement)
    if ('error' in where) {
      setError(where.error)
      return
    }
    setStarting(true)
    setError(undefined)
    try {
      const r = await api.post<RunSummary>('/api/runs', { experimentId: id, ...where })
      void navigate(`/runs/${r.id}`)
    } catch (err) {
      setError(errorMessage(err))
      setStarting(false)
    }
  }

  async function remove() {
    if (!e || !window.confirm(`Delete experiment ${e.name} and its history?`)) {
      return
    }
    try {
      await api.del(base)
      void navigate('/')
    } catch (err) {
      setError(errorMessage(err))
    }
  }

  if (experiment.error && !e) {
    return <ErrorBox error={experiment.error} />
  }
  if (!e) {
    return <div className="muted">Loading…</div>
  }
  // Git-managed: git is the source of truth; an edit here would be overwritten by the next sync.
  const managed = e.origin !== undefined
  const managedWhy = e.origin
    ? `Managed by git source ${e.origin.source}: change ${e.origin.path} in git`
    : undefined
  return (
    <section>
      <div className="page-head">
        <div>
          <h1>
            {e.name} <span className="version">v{e.version}</span>
          </h1>
          <p className="hypothesis-lead">{e.hypothesis}</p>
        </div>
        <div className="toolbar">
          <PlacementPicker agents={agents.data ?? []} value={placement} onChange={setPlacement} />
          <button
            type="button"
            className="primary"
            data-testid="start-run"
            disabled={starting}
            onClick={() => void start()}
          >
            {starting ? 'Starting…' : '▶ Start run'}
          </button>
          <button
            type="button"
            className="danger-outline"
            data-testid="delete-experiment"
            disabled={managed}
            title={managed ? `${managedWhy} (delete the file there)` : undefined}
            onClick={() => void remove()}
          >
            Delete
          </button>
        </div>
      </div>
      {e.origin && <GitOriginBanner origin={e.origin} />}
      <ErrorBox error={error} />

      <h2>History</h2>
      <ScoreHistory runs={runs.data ?? []} />
      <RunsTable runs={runs.data ?? []} />

      <ContinuousSections experimentId={e.id} />

      <h2>Manifest</h2>
      <div className="editor-layout">
        <div>
          {draft !== undefined && (
            <YamlEditor
              value={draft}
              onChange={setDraft}
              onValidity={setValidity}
              fileName={e.origin ? e.origin.path : `${e.name}.yaml`}
              readOnly={managed}
            />
          )}
          {conflict && (
            <div className="error-box" role="alert">
              Someone saved a newer version while you were editing.{' '}
              <button type="button" className="link" onClick={() => void loadLatest()}>
                Load the latest version
              </button>{' '}
              (your edits are discarded; copy them first if needed).
            </div>
          )}
          {notice && <div className="notice">{notice}</div>}
          <div className="toolbar">
            <button
              type="button"
              className="primary"
              data-testid="save-experiment"
              disabled={
                managed || !dirty || saving || validity === 'invalid' || validity === 'checking'
              }
              title={managedWhy}
              onClick={() => void save()}
            >
              {saving ? 'Saving…' : `Save as v${e.version + 1}`}
            </button>
            {managed ? (
              <span className="muted small" data-testid="read-only-reason">
                Read-only: {managedWhy} and push.
              </span>
            ) : dirty ? (
              <ValidityNote validity={validity} />
            ) : (
              <span className="muted small">no changes</span>
            )}
          </div>
        </div>
        <VersionsList base={base} current={e.version} onLoad={setDraft} managed={managed} />
      </div>
    </section>
  )
}
