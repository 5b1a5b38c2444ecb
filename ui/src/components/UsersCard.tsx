/**
 * Settings > Users (owner only): the team. Add a user (the server answers a one-time login link,
 * shown once to pass on), change a role, remove a user, give a user a new login link (when they
 * lost theirs: the old unused ones stop working), revoke all of a user's tokens. The server
 * refuses to demote or remove the last owner; its message is shown as is.
 */
import { useState } from 'react'
import type { FormEvent } from 'react'
import type { Role, User } from '../../../src/shared/api'
import { ROLES } from '../../../src/shared/api'
import { api, errorMessage } from '../api/client'
import { formatTime } from '../format'
import { useCopy, type Resource } from '../hooks'
import { ErrorBox } from './Layout'

/** `POST /api/users` and `POST /api/users/:id/login-link` both answer a one-time link. */
interface LoginLinkAnswer {
  loginCode: string
  loginLink: string
}

interface IssuedLink {
  userName: string
  link: string
  /** A new user, or a new link for an existing one. */
  kind: 'created' | 'renewed'
}

export function UsersCard(props: {
  users: Resource<User[]>
  me: User
  /** A user's tokens were revoked: the tokens list above is stale. */
  onTokensChanged: () => void
}) {
  const { users, me, onTokensChanged } = props
  const [name, setName] = useState('')
  const [role, setRole] = useState<Role>('editor')
  const [issued, setIssued] = useState<IssuedLink>()
  const { copied, copy, reset: resetCopied } = useCopy()
  const [note, setNote] = useState<string>()
  const [error, setError] = useState<string>()

  async function act(fn: () => Promise<void>) {
    setError(undefined)
    setNote(undefined)
    try {
      await fn()
    } catch (e) {
      setError(errorMessage(e))
    }
  }

  function showLink(userName: string, answer: LoginLinkAnswer, kind: IssuedLink['kind']) {
    resetCopied()
    setIssued({ userName, link: answer.loginLink, kind })
  }

  const add = (e: FormEvent) => {
    e.preventDefault()
    void act(async () => {
      const created = await api.post<LoginLinkAnswer & { user: User }>('/api/users', {
        name: name.trim(),
        role,
      })
      showLink(created.user.name, created, 'created')
      setName('')
      users.reload()
    })
  }

  const changeRole = (u: User, next: Role) =>
    act(async () => {
      const updated = await api.patch<User>(`/api/users/${encodeURIComponent(u.id)}`, {
        role: next,
      })
      setNote(`${updated.name} is now ${updated.role}.`)
      users.reload()
    })

  const remove = (u: User) => {
    if (!window.confirm(`Remove ${u.name}? Their tokens stop working; their runs stay.`)) {
      return
    }
    void act(async () => {
      await api.del(`/api/users/${encodeURIComponent(u.id)}`)
      setNote(`Removed ${u.name}.`)
      users.reload()
      onTokensChanged()
    })
  }

  const newLink = (u: User) => {
    if (!window.confirm(`A new login link for ${u.name}? Their unused links stop working.`)) {
      return
    }
    void act(async () => {
      const answer = await api.post<LoginLinkAnswer>(
        `/api/users/${encodeURIComponent(u.id)}/login-link`
      )
      showLink(u.name, answer, 'renewed')
    })
  }

  const revokeAll = (u: User) => {
    if (
      !window.confirm(
        `Revoke every token of ${u.name} (API tokens and sessions)? They are signed out everywhere.`
      )
    ) {
      return
    }
    void act(async () => {
      const { revoked } = await api.del<{ revoked: number }>(
        `/api/users/${encodeURIComponent(u.id)}/tokens`
      )
      setNote(`Revoked ${revoked} token(s) of ${u.name}.`)
      onTokensChanged()
    })
  }

  return (
    <div className="card" data-testid="users-card">
      <h3>Users</h3>
      <p className="muted small">
        No passwords: a new user signs in with a one-time link (valid 24 h) that you pass on. A user
        who lost theirs gets a new one here.
      </p>
      <ErrorBox error={users.error ?? error} />
      {note && <div className="notice">{note}</div>}
      {issued && (
        <div className="notice secret" data-testid="login-link-notice">
          <div>
            {issued.kind === 'created' ? (
              <>
                User <span className="strong">{issued.userName}</span> added.
              </>
            ) : (
              <>
                New login link for <span className="strong">{issued.userName}</span>.
              </>
            )}{' '}
            Send them this one-time link (valid 24 h); it is shown only once.
          </div>
          <div className="secret-row">
            <code className="mono" data-testid="login-link">
              {issued.link}
            </code>
            <button type="button" onClick={() => void copy(issued.link)}>
              {copied ? 'Copied ✓' : 'Copy'}
            </button>
          </div>
        </div>
      )}
      <form className="inline-form" onSubmit={add} data-testid="add-user-form">
        <input
          placeholder="user name (e.g. alice)"
          aria-label="New user's name"
          data-testid="new-user-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
        />
        <select
          aria-label="New user's role"
          data-testid="new-user-role"
          value={role}
          onChange={(e) => setRole(e.target.value as Role)}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
        <button type="submit" className="primary" data-testid="add-user" disabled={!name.trim()}>
          Add user
        </button>
      </form>
      <table className="table compact">
        <thead>
          <tr>
            <th>Name</th>
            <th>Role</th>
            <th>Added</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.data?.map((u) => (
            <tr key={u.id} data-testid="user-row" data-name={u.name} data-role={u.role}>
              <td className="strong">
                {u.name}
                {u.id === me.id && <span className="muted small"> (you)</span>}
              </td>
              <td>
                <select
                  aria-label={`Role of ${u.name}`}
                  data-testid="user-role"
                  value={u.role}
                  onChange={(e) => void changeRole(u, e.target.value as Role)}
                >
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
              </td>
              <td>{formatTime(u.createdAt)}</td>
              <td className="actions">
                <button type="button" data-testid="user-login-link" onClick={() => newLink(u)}>
                  New login link
                </button>
                <button
                  type="button"
                  className="danger-outline"
                  data-testid="revoke-user-tokens"
                  onClick={() => revokeAll(u)}
                >
                  Revoke all tokens
                </button>
                <button
                  type="button"
                  className="danger-outline"
                  data-testid="remove-user"
                  disabled={u.id === me.id}
                  title={u.id === me.id ? 'you cannot remove yourself' : undefined}
                  onClick={() => remove(u)}
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
