/**
 * Login: the server prints a one-time link `/login?code=XXXX` at first start, which logs in by
 * itself. The form takes such a code, or an API token (checked with `/api/auth/me`).
 */
import { useEffect, useRef, useState } from 'react'
import type { FormEvent } from 'react'
import { useNavigate, useSearchParams } from 'react-router'
import type { LoginResponse } from '../../../src/shared/api'
import { ApiRequestError, errorMessage, request } from '../api/client'
import { fetchMe } from '../api/me'
import { useAuth } from '../auth'

export function LoginPage() {
  const [params] = useSearchParams()
  const navigate = useNavigate()
  const { login } = useAuth()
  const [code, setCode] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const next = safeNext(params.get('next'))
  const autoTried = useRef(false)

  async function submit(value: string) {
    const secret = value.trim()
    if (!secret) {
      return
    }
    setBusy(true)
    setError(undefined)
    try {
      const res = await request<LoginResponse>('POST', '/api/auth/login', {
        body: { code: secret },
        quiet401: true,
      }).catch(async (e: unknown) => {
        // Not a login code: maybe an API token, which works as a bearer token directly.
        if (e instanceof ApiRequestError && e.status >= 400 && e.status < 500) {
          const user = await fetchMe({ token: secret, quiet401: true })
          return { token: secret, user }
        }
        throw e
      })
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
    const fromLink = params.get('code')
    // StrictMode runs effects twice; a one-time code must be sent once.
    if (fromLink && !autoTried.current) {
      autoTried.current = true
      setCode(fromLink)
      void submit(fromLink)
    }
  }, [])

  function onSubmit(e: FormEvent) {
    e.preventDefault()
    void submit(code)
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
          <div className="error-box" role="alert">
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
