/**
 * Login: the server prints a one-time link `/login?code=ordl_login_…` at first start, which logs
 * in by itself. A link is only ever exchanged as a login code: a link carrying a token
 * (`ordl_tok_…`, someone else's) is refused, and a link opened while signed in asks before it
 * replaces the session (login CSRF, issue 12). The form takes a code or an API token that the
 * user pastes themselves.
 */
import { useEffect, useRef, useState } from 'react'
import type { FormEvent } from 'react'
import { useNavigate, useSearchParams } from 'react-router'
import { SECRET_PREFIX } from '../../../src/shared/api'
import type { LoginResponse, User } from '../../../src/shared/api'
import { ApiRequestError, api, errorMessage, getToken, request } from '../api/client'
import { fetchMe } from '../api/me'
import { useAuth } from '../auth'

export function LoginPage() {
  const [params] = useSearchParams()
  const navigate = useNavigate()
  const { login, user, loading } = useAuth()
  const [code, setCode] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const next = safeNext(params.get('next'))
  const fromLink = params.get('code')
  // The signed-in user a link would replace: set while the page asks before switching.
  const [switching, setSwitching] = useState<User>()
  const autoTried = useRef(false)

  async function submit(value: string) {
    const secret = value.trim()
    if (!secret) {
      return
    }
    setBusy(true)
    setError(undefined)
    try {
      const res = secret.startsWith(SECRET_PREFIX.login)
        ? await request<LoginResponse>('POST', '/api/auth/login', {
            body: { code: secret },
            quiet401: true,
          })
        : // Pasted by the user: an API token works as a bearer token directly.
          { token: secret, user: await fetchMe({ token: secret, quiet401: true }) }
      login(res.token, res.user)
      void navigate(next, { replace: true })
    } catch (e) {
      setError(
        e instanceof ApiRequestError && e.status === 401
          ? 'That code or token is not valid (codes work once).'
          : errorMessage(e)
      )
    } finally {
      setBusy(false)
    }
  }

  useEffect(() => {
    // StrictMode runs effects twice; a one-time code must be sent once. Wait until the stored
    // session (if any) is known: it decides whether to ask first.
    if (!fromLink || autoTried.current || loading) {
      return
    }
    autoTried.current = true
    if (!fromLink.startsWith(SECRET_PREFIX.login)) {
      setError(
        `This link does not carry a login code (they start with ${SECRET_PREFIX.login}); nothing was changed.`
      )
      return
    }
    if (getToken() && user) {
      setSwitching(user)
      return
    }
    setCode(fromLink)
    void submit(fromLink)
  }, [loading, user])

  async function switchUser() {
    if (!fromLink) {
      return
    }
    setSwitching(undefined)
    setCode(fromLink)
    // End the current session on the server too, then use the link.
    await api.post('/api/auth/logout').catch(() => undefined)
    await submit(fromLink)
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault()
    void submit(code)
  }

  if (switching) {
    return (
      <div className="login">
        <div className="card login-card" data-testid="login-switch-confirm">
          <h1>
            ordeal <span className="muted">Chaos Center</span>
          </h1>
          <p>
            You are signed in as <strong data-testid="login-current-user">{switching.name}</strong>{' '}
            ({switching.role}). This login link signs this browser in as the user it was made for,
            and ends your session here.
          </p>
          <p className="muted">Open it only if someone you trust gave it to you for yourself.</p>
          <div className="login-actions">
            <button
              type="button"
              className="primary"
              data-testid="login-stay"
              onClick={() => void navigate('/', { replace: true })}
            >
              Stay signed in as {switching.name}
            </button>
            <button type="button" data-testid="login-switch" onClick={() => void switchUser()}>
              Switch user
            </button>
          </div>
        </div>
      </div>
    )
  }

  return (
    <div className="login">
      <form className="card login-card" onSubmit={onSubmit}>
        <h1>
          ordeal <span className="muted">Chaos Center</span>
        </h1>
        <p className="muted">
          Open the login link the server printed at start, or paste its code or an API token.
        </p>
        <label>
          Login code or API token
          <input
            data-testid="login-code"
            value={code}
            onChange={(e) => setCode(e.target.value)}
            autoFocus
            autoComplete="off"
            spellCheck={false}
          />
        </label>
        {error && (
          <div className="error-box" role="alert" data-testid="login-error">
            {error}
          </div>
        )}
        <button
          type="submit"
          className="primary"
          data-testid="login-submit"
          disabled={busy || !code.trim()}
        >
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </div>
  )
}

/** Only same-app paths, so a crafted `next` cannot send the token holder elsewhere. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login')
    ? next
    : '/'
}
