/**
 * Connect a repository (owners only: it holds a credential). HTTPS with a token, SSH with a
 * deploy key, or none (a public repository, a local path); the credential is sent once and never
 * shown again. The answer carries the push webhook's URL and secret, shown once by the page.
 */
import { useState } from 'react'
import type { FormEvent } from 'react'
import type { CreatedGitSource, GitAuth, NewGitSource } from '../../../../src/shared/continuous'
import { api, errorMessage } from '../../api/client'
import { paths } from '../../api/continuous'
import { ErrorBox } from '../Layout'

/** The server's least poll interval (src/server/git/index.ts MIN_POLL_SECONDS). */
const MIN_POLL_SECONDS = 10

export function NewGitSourceForm({ onCreated }: { onCreated: (s: CreatedGitSource) => void }) {
  const [name, setName] = useState('')
  const [url, setUrl] = useState('')
  const [branch, setBranch] = useState('main')
  const [folder, setFolder] = useState('')
  const [auth, setAuth] = useState<GitAuth>('none')
  const [credential, setCredential] = useState('')
  const [poll, setPoll] = useState('300')
  const [saving, setSaving] = useState(false)
  const [error, setError] = useState<string>()

  async function submit(e: FormEvent) {
    e.preventDefault()
    const pollSeconds = Number(poll)
    if (!Number.isInteger(pollSeconds) || pollSeconds < MIN_POLL_SECONDS) {
      setError(`poll: a whole number of seconds, at least ${MIN_POLL_SECONDS}`)
      return
    }
    const body: NewGitSource = { name: name.trim(), url: url.trim(), pollSeconds }
    if (branch.trim()) {
      body.branch = branch.trim()
    }
    if (folder.trim()) {
      body.folder = folder.trim()
    }
    if (auth === 'token') {
      body.token = credential
    } else if (auth === 'ssh-key') {
      body.sshKey = credential
    }
    setSaving(true)
    setError(undefined)
    try {
      onCreated(await api.post<CreatedGitSource>(paths.gitSources, body))
      setName('')
      setUrl('')
      setCredential('')
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setSaving(false)
    }
  }

  return (
    <form
      className="card stacked-form"
      data-testid="git-source-form"
      onSubmit={(e) => void submit(e)}
    >
      <h3>Connect a repository</h3>
      <ErrorBox error={error} />
      <label>
        Name
        <input
          data-testid="git-name"
          placeholder="platform-chaos"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
        />
      </label>
      <label>
        Repository URL
        <input
          data-testid="git-url"
          placeholder="https://git.example.com/team/chaos.git or git@host:team/chaos.git"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          required
        />
      </label>
      <label>
        Branch
        <input
          data-testid="git-branch"
          value={branch}
          onChange={(e) => setBranch(e.target.value)}
        />
      </label>
      <label>
        Folder
        <input
          data-testid="git-folder"
          placeholder="chaos/ (empty: the whole repository)"
          value={folder}
          onChange={(e) => setFolder(e.target.value)}
        />
      </label>
      <label>
        Authentication
        <select
          data-testid="git-auth"
          value={auth}
          onChange={(e) => {
            setAuth(e.target.value as GitAuth)
            setCredential('')
          }}
        >
          <option value="none">none (public, or a local path)</option>
          <option value="token">HTTPS token</option>
          <option value="ssh-key">SSH deploy key</option>
        </select>
      </label>
      {auth === 'token' && (
        <label>
          Token
          <input
            type="password"
            autoComplete="off"
            data-testid="git-token"
            value={credential}
            onChange={(e) => setCredential(e.target.value)}
            required
          />
        </label>
      )}
      {auth === 'ssh-key' && (
        <label>
          Private key (OpenSSH or PEM)
          <textarea
            className="mono"
            rows={5}
            autoComplete="off"
            data-testid="git-ssh-key"
            value={credential}
            onChange={(e) => setCredential(e.target.value)}
            required
          />
        </label>
      )}
      <label>
        Poll every (seconds)
        <input
          type="number"
          min={MIN_POLL_SECONDS}
          data-testid="git-poll"
          value={poll}
          onChange={(e) => setPoll(e.target.value)}
        />
      </label>
      <p className="muted small">
        The credential is stored on the server and never shown again. The answer gives a push
        webhook (URL and secret, shown once) to sync on every push rather than on the poll.
      </p>
      <div className="toolbar">
        <button
          type="submit"
          className="primary"
          data-testid="git-create"
          disabled={saving || !name.trim() || !url.trim()}
        >
          {saving ? 'Connecting…' : 'Connect'}
        </button>
      </div>
    </form>
  )
}
