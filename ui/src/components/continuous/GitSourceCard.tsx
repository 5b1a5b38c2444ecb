/**
 * One git source: where it reads (URL without credentials, branch, folder, auth kind, poll),
 * the experiments it manages, its last sync in one line (ok with counts and commit, or the
 * error), and every manifest that did not load, as `file:line: message` (its experiment keeps
 * the last good version). Those come from the source's own answer (`GET /api/git-sources/:id`
 * `invalid`), not from the last sync: a sync that failed (the repository unreachable) read no
 * manifest, and the ones still broken must not vanish meanwhile. Sync now for editors, Delete
 * for owners.
 */
import { useEffect, useState } from 'react'
import type { GitManifestError, GitSourceInfo } from '../../../../src/shared/continuous'
import { api, errorMessage } from '../../api/client'
import { paths } from '../../api/continuous'
import { manifestErrorText, syncLine } from '../../continuous-format'
import { formatDuration, formatTime } from '../../format'
import { ErrorBox } from '../Layout'
import { useResource } from '../../hooks'

/** `GET /api/git-sources/:id`: the source with the manifests that did not load. */
type GitSourceDetail = GitSourceInfo & { invalid: GitManifestError[] }

export function GitSourceCard(props: {
  source: GitSourceInfo
  canSync: boolean
  canDelete: boolean
  onChanged: () => void
}) {
  const { source: s, canSync, canDelete, onChanged } = props
  const [syncing, setSyncing] = useState(false)
  const [error, setError] = useState<string>()
  const sync = s.lastSync
  const detail = useResource<GitSourceDetail>(paths.gitSource(s.id))
  const reloadDetail = detail.reload
  // Read again whenever a sync ended (the list the page polls shows its time).
  useEffect(() => reloadDetail(), [sync?.at, reloadDetail])
  const invalid = detail.data?.invalid ?? []

  async function syncNow() {
    setSyncing(true)
    setError(undefined)
    try {
      await api.post(`${paths.gitSource(s.id)}/sync`)
      onChanged()
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setSyncing(false)
    }
  }

  async function remove() {
    const what = `Its ${s.experiments.length} experiments stay, editable here again.`
    if (!window.confirm(`Disconnect git source ${s.name}? ${what}`)) {
      return
    }
    try {
      await api.del(paths.gitSource(s.id))
      onChanged()
    } catch (e) {
      setError(errorMessage(e))
    }
  }

  return (
    <div className="card" data-testid="git-source" data-name={s.name}>
      <div className="page-head">
        <div>
          <h3 className="source-name">{s.name}</h3>
          <div className="small">
            <code className="mono">{s.url}</code> · branch <code>{s.branch}</code> · folder{' '}
            <code>{s.folder || '.'}</code>
          </div>
          <div className="muted small">
            auth {s.auth} · polled every {formatDuration(s.pollSeconds * 1000)} · added{' '}
            {formatTime(s.createdAt)} by {s.createdByName}
          </div>
        </div>
        <div className="toolbar">
          {canSync && (
            <button
              type="button"
              data-testid="git-sync-now"
              disabled={syncing}
              onClick={() => void syncNow()}
            >
              {syncing ? 'Syncing…' : 'Sync now'}
            </button>
          )}
          {canDelete && (
            <button type="button" className="danger-outline" onClick={() => void remove()}>
              Delete
            </button>
          )}
        </div>
      </div>
      <ErrorBox error={error} />
      <div
        className={sync && !sync.ok ? 'error-box' : 'sync-line'}
        data-testid="git-last-sync"
        data-ok={sync ? String(sync.ok) : undefined}
      >
        {sync ? (
          <>
            Last sync {formatTime(sync.at)} ({formatDuration(sync.durationMs)}): {syncLine(sync)}
          </>
        ) : (
          <span className="muted">Not synced yet.</span>
        )}
      </div>
      {invalid.length > 0 && (
        <ul className="validation-errors" data-testid="git-invalid">
          {invalid.map((e) => (
            <li key={`${e.path}:${e.line ?? ''}`} className="mono small">
              {manifestErrorText(e)}
            </li>
          ))}
        </ul>
      )}
      <div className="small" data-testid="git-experiments">
        {s.experiments.length === 0 ? (
          <span className="muted">No experiments from this source.</span>
        ) : (
          <>
            Manages:{' '}
            {s.experiments.map((name) => (
              <span key={name} className="tag">
                {name}
              </span>
            ))}
          </>
        )}
      </div>
    </div>
  )
}
