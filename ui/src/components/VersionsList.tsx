/**
 * An experiment's versions, newest first, a page at a time: the list carries metadata only, and
 * a version's YAML is fetched when it is loaded into the editor. An experiment recorded by CI on
 * every commit can have thousands of versions; none of their YAML travels until asked for.
 */
import { useEffect, useState } from 'react'
import type {
  ExperimentVersion,
  ExperimentVersionInfo,
  ExperimentVersionPage,
} from '../../../src/shared/api'
import { api, errorMessage } from '../api/client'
import { formatTime, formatWho } from '../format'
import { shortCommit } from '../continuous-format'

const PAGE = 20

export function VersionsList(props: {
  base: string
  current: number
  onLoad: (yaml: string) => void
  /** Synced from git: each version is a commit, and none can be saved back from here. */
  managed?: boolean
}) {
  const { base, current, onLoad, managed = false } = props
  const [versions, setVersions] = useState<ExperimentVersionInfo[]>([])
  const [next, setNext] = useState<number>()
  const [error, setError] = useState<string>()

  async function fetchPage(before?: number) {
    const query = `limit=${PAGE}${before !== undefined ? `&before=${before}` : ''}`
    try {
      const page = await api.get<ExperimentVersionPage>(`${base}/versions?${query}`)
      setVersions((shown) => (before === undefined ? page.versions : [...shown, ...page.versions]))
      setNext(page.next)
      setError(undefined)
    } catch (e) {
      setError(errorMessage(e))
    }
  }

  // The newest page again whenever a save makes a new current version.
  useEffect(() => {
    void fetchPage()
  }, [base, current])

  async function load(version: number) {
    try {
      onLoad((await api.get<ExperimentVersion>(`${base}/versions/${version}`)).yaml)
    } catch (e) {
      setError(errorMessage(e))
    }
  }

  return (
    <aside className="versions card" data-testid="versions">
      <h3>Versions</h3>
      <ul>
        {versions.map((v) => (
          <li
            key={v.version}
            className={v.version === current ? 'current' : ''}
            data-testid="version-row"
          >
            <button
              type="button"
              className="link"
              title="Load into the editor"
              onClick={() => void load(v.version)}
            >
              v{v.version}
            </button>{' '}
            <span className="muted small">
              {formatTime(v.createdAt)} ·{' '}
              <span data-testid="version-by">
                {formatWho(v.createdByName, v.createdBy, v.createdVia)}
              </span>
              {v.origin && (
                <>
                  {' '}
                  ·{' '}
                  <span
                    className="mono"
                    data-testid="version-commit"
                    title={`${v.origin.source}: ${v.origin.path} @ ${v.origin.commit}`}
                  >
                    {shortCommit(v.origin.commit)}
                  </span>
                </>
              )}
            </span>
          </li>
        ))}
      </ul>
      {next !== undefined && (
        <button
          type="button"
          className="link"
          data-testid="older-versions"
          onClick={() => void fetchPage(next)}
        >
          Older versions
        </button>
      )}
      {error && <div className="error-box">{error}</div>}
      <p className="muted small">
        {managed
          ? 'Each version is a commit of its git source; load one to read it.'
          : 'Loading an old version and saving it makes it the newest.'}
      </p>
    </aside>
  )
}
