import { useState } from 'react'
import type { FormEvent } from 'react'
import type { ApiToken, CreatedToken, Role, User } from '../../../src/shared/api'
import { ROLES } from '../../../src/shared/api'
import { api, errorMessage } from '../api/client'
import { useAuth } from '../auth'
import { ErrorBox } from '../components/Layout'
import { UsersCard } from '../components/UsersCard'
import { NotificationsCard } from '../components/continuous/NotificationsCard'
import { formatTime } from '../format'
import { useCopy, useResource } from '../hooks'

/** An agent's name (src/platforms/agent/protocol.ts AGENT_NAME_PATTERN), as an input pattern. */
const AGENT_NAME_INPUT_PATTERN = '[a-z0-9]([a-z0-9\\-]{0,61}[a-z0-9])?'

export function SettingsPage() {
  const { user } = useAuth()
  const tokens = useResource<ApiToken[]>('/api/tokens')
  const users = useResource<User[]>(user?.role === 'owner' ? '/api/users' : null)
  const [name, setName] = useState('')
  const [role, setRole] = useState<Role>('editor')
  const [created, setCreated] = useState<CreatedToken>()
  const [error, setError] = useState<string>()
  const { copied, copy, reset: resetCopied } = useCopy()
  const owner = user?.role === 'owner'
  // Owners also make agent tokens: the token is the agent's identity, its name the agent's.
  const roles: Role[] = owner ? [...ROLES, 'agent'] : [...ROLES]
  const nameOf = (userId: string) => users.data?.find((u) => u.id === userId)?.name ?? userId

  async function create(e: FormEvent) {
    e.preventDefault()
    setError(undefined)
    resetCopied()
    try {
      setCreated(await api.post<CreatedToken>('/api/tokens', { name: name.trim(), role }))
      setName('')
      tokens.reload()
    } catch (err) {
      setError(errorMessage(err))
    }
  }

  async function revoke(t: ApiToken) {
    const consequence =
      t.role === 'agent'
        ? `Agent ${t.name} is disconnected at once and its runs are interrupted.`
        : 'Anything using it stops working.'
    if (!window.confirm(`Revoke token ${t.name}? ${consequence}`)) {
      return
    }
    try {
      await api.del(`/api/tokens/${encodeURIComponent(t.id)}`)
      tokens.reload()
    } catch (err) {
      setError(errorMessage(err))
    }
  }

  return (
    <section>
      <div className="page-head">
        <h1>Settings</h1>
      </div>
      {user && (
        <div className="card">
          <h3>You</h3>
          <p>
            <span className="strong">{user.name}</span> <span className="tag">{user.role}</span>{' '}
            <span className="muted small">since {formatTime(user.createdAt)}</span>
          </p>
        </div>
      )}

      <div className="card">
        <h3>API tokens</h3>
        <p className="muted small">
          For CI and <code>ordeal run --server</code>: send it as{' '}
          <code>Authorization: Bearer …</code>. A token never has more rights than its user.
        </p>
        <p className="notice small" data-testid="tokens-outlive-logout">
          A token without an expiry keeps working after you log out: logging out ends only this
          browser&apos;s session, not the tokens it created. Give tokens an expiry, and revoke those
          you no longer need{owner ? ' (as owner, you see and can revoke everyone’s)' : ''}.
        </p>
        {owner && (
          <p className="muted small">
            An <span className="strong">agent</span> token is the identity of an{' '}
            <code>ordeal agent</code>: its name is the agent&apos;s name, and it can only receive
            that agent&apos;s runs and report their events. Revoking it disconnects the agent.
          </p>
        )}
        <ErrorBox error={tokens.error ?? error} />
        {created && (
          <div className="notice secret">
            <div>
              Token <span className="strong">{created.name}</span> created. Copy the secret now: it
              is shown only once.
            </div>
            <div className="secret-row">
              <code className="mono" data-testid="created-secret">
                {created.secret}
              </code>
              <button type="button" onClick={() => void copy(created.secret)}>
                {copied ? 'Copied ✓' : 'Copy'}
              </button>
            </div>
            {created.role === 'agent' && (
              <div className="small" data-testid="agent-token-usage">
                Save it in a file only the agent&apos;s user can read (<code>chmod 600</code>), then
                on the agent&apos;s host:{' '}
                <code className="mono">
                  ordeal agent --server {window.location.origin} --token-file {created.name}.token
                </code>
              </div>
            )}
          </div>
        )}
        <form className="inline-form" onSubmit={(e) => void create(e)}>
          <input
            placeholder={role === 'agent' ? 'agent name (edge-1)' : 'token name (e.g. ci)'}
            data-testid="token-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            {...(role === 'agent'
              ? {
                  pattern: AGENT_NAME_INPUT_PATTERN,
                  title: "the agent's name: a-z, 0-9 and '-', at most 63 characters",
                }
              : {})}
          />
          <select
            aria-label="role"
            data-testid="token-role"
            value={role}
            onChange={(e) => setRole(e.target.value as Role)}
          >
            {roles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          <button
            type="submit"
            className="primary"
            data-testid="create-token"
            disabled={!name.trim()}
          >
            Create token
          </button>
        </form>
        <table className="table compact">
          <thead>
            <tr>
              <th>Name</th>
              {owner && <th>User</th>}
              <th>Role</th>
              <th>Created</th>
              <th>Last used</th>
              <th>Expires</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {tokens.data?.map((t) => (
              <tr key={t.id} data-testid="token-row" data-name={t.name} data-role={t.role}>
                <td className="strong">{t.name}</td>
                {owner && <td>{nameOf(t.userId)}</td>}
                <td>{t.role}</td>
                <td>{formatTime(t.createdAt)}</td>
                <td>
                  {t.lastUsedAt ? formatTime(t.lastUsedAt) : <span className="muted">never</span>}
                </td>
                <td>
                  {t.expiresAt ? formatTime(t.expiresAt) : <span className="muted">never</span>}
                </td>
                <td className="actions">
                  <button type="button" className="danger-outline" onClick={() => void revoke(t)}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
            {tokens.data?.length === 0 && (
              <tr>
                <td colSpan={owner ? 7 : 6} className="muted">
                  No tokens yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>

      {owner && user && <UsersCard users={users} me={user} onTokensChanged={tokens.reload} />}

      <NotificationsCard owner={owner} />
    </section>
  )
}
