/**
 * Who is logged in. The token lives in localStorage (`ordeal.token`); the user is fetched once
 * with `/api/auth/me`. A 401 anywhere (see client.ts) clears both and sends the user to /login.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react'
import type { ReactNode } from 'react'
import { useLocation, useNavigate } from 'react-router'
import type { User } from '../../src/shared/api'
import { api, clearToken, getToken, setToken, UNAUTHORIZED_EVENT } from './api/client'
import { fetchMe } from './api/me'

interface AuthState {
  user: User | null
  /** True until the stored token has been checked. */
  loading: boolean
  login: (token: string, user: User) => void
  logout: () => void
}

const AuthContext = createContext<AuthState | null>(null)

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null)
  const [loading, setLoading] = useState(() => getToken() !== null)
  const navigate = useNavigate()
  const location = useLocation()

  useEffect(() => {
    if (!getToken()) {
      return
    }
    let cancelled = false
    fetchMe()
      .then((u) => !cancelled && setUser(u))
      .catch(() => undefined)
      .finally(() => !cancelled && setLoading(false))
    return () => {
      cancelled = true
    }
  }, [])

  const logout = useCallback(() => {
    // Revoke the session on the server too: clearing localStorage alone would leave a valid
    // 7-day token behind. Best effort; the token is forgotten here whatever the answer.
    api.post('/api/auth/logout').catch(() => undefined)
    clearToken()
    setUser(null)
    void navigate('/login')
  }, [navigate])

  useEffect(() => {
    const onUnauthorized = () => {
      clearToken()
      setUser(null)
      setLoading(false)
      if (location.pathname !== '/login') {
        void navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`)
      }
    }
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized)
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized)
  }, [navigate, location])

  const value = useMemo<AuthState>(
    () => ({
      user,
      loading,
      login: (token, u) => {
        setToken(token)
        setUser(u)
        setLoading(false)
      },
      logout,
    }),
    [user, loading, logout]
  )
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext)
  if (!ctx) {
    throw new Error('useAuth outside AuthProvider')
  }
  return ctx
}
