import { Suspense } from 'react'
import { NavLink, Outlet } from 'react-router'
import { useAuth } from '../auth'
import { timeZoneName } from '../format'

export function Layout() {
  const { user, logout } = useAuth()
  return (
    <>
      <header className="topnav">
        <NavLink to="/" className="brand">
          ordeal <span>Chaos Center</span>
        </NavLink>
        <nav>
          <NavLink to="/" end>
            Experiments
          </NavLink>
          <NavLink to="/runs" data-testid="nav-runs">
            Runs
          </NavLink>
          <NavLink to="/agents" data-testid="nav-agents">
            Agents
          </NavLink>
          <NavLink to="/schedules" data-testid="nav-schedules">
            Schedules
          </NavLink>
          <NavLink to="/hooks" data-testid="nav-hooks">
            Hooks
          </NavLink>
          <NavLink to="/git" data-testid="nav-git">
            Git
          </NavLink>
          <NavLink to="/settings" data-testid="nav-settings">
            Settings
          </NavLink>
        </nav>
        <div
          className="whoami"
          title={`Dates are shown as YYYY-MM-DD hh:mm:ss in ${timeZoneName()}`}
        >
          {user && (
            <>
              <span title={`role: ${user.role}`} data-testid="whoami" data-name={user.name}>
                {user.name} <span className="muted">({user.role})</span>
              </span>
              <button type="button" className="link" onClick={logout}>
                Log out
              </button>
            </>
          )}
        </div>
      </header>
      <main>
        <Suspense fallback={<div className="muted">Loading…</div>}>
          <Outlet />
        </Suspense>
      </main>
    </>
  )
}

export function ErrorBox({ error }: { error: string | undefined }) {
  return error ? (
    <div className="error-box" role="alert">
      {error}
    </div>
  ) : null
}
