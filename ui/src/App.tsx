import { lazy } from 'react'
import type { ReactNode } from 'react'
import { Link, Navigate, Route, Routes, useLocation } from 'react-router'
import { getToken } from './api/client'
import { AuthProvider, useAuth } from './auth'
import { Layout } from './components/Layout'
import { ExperimentsPage } from './pages/ExperimentsPage'
import { LoginPage } from './pages/LoginPage'
import { SettingsPage } from './pages/SettingsPage'

// The editor (CodeMirror) and the timeline (uPlot) are most of the bundle: load them with the
// pages that need them, so the login page and the list come up fast.
const NewExperimentPage = lazy(() =>
  import('./pages/NewExperimentPage').then((m) => ({ default: m.NewExperimentPage }))
)
const ExperimentPage = lazy(() =>
  import('./pages/ExperimentPage').then((m) => ({ default: m.ExperimentPage }))
)
const RunsPage = lazy(() => import('./pages/RunsPage').then((m) => ({ default: m.RunsPage })))
const RunPage = lazy(() => import('./pages/RunPage').then((m) => ({ default: m.RunPage })))
const AgentsPage = lazy(() => import('./pages/AgentsPage').then((m) => ({ default: m.AgentsPage })))
const SchedulesPage = lazy(() =>
  import('./pages/SchedulesPage').then((m) => ({ default: m.SchedulesPage }))
)
const HooksPage = lazy(() => import('./pages/HooksPage').then((m) => ({ default: m.HooksPage })))
const GitSourcesPage = lazy(() =>
  import('./pages/GitSourcesPage').then((m) => ({ default: m.GitSourcesPage }))
)

export function App() {
  return (
    <AuthProvider>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route
          element={
            <RequireAuth>
              <Layout />
            </RequireAuth>
          }
        >
          <Route index element={<ExperimentsPage />} />
          <Route path="experiments/new" element={<NewExperimentPage />} />
          <Route path="experiments/:id" element={<ExperimentPage />} />
          <Route path="runs" element={<RunsPage />} />
          <Route path="runs/:id" element={<RunPage />} />
          <Route path="agents" element={<AgentsPage />} />
          <Route path="schedules" element={<SchedulesPage />} />
          <Route path="hooks" element={<HooksPage />} />
          <Route path="git" element={<GitSourcesPage />} />
          <Route path="settings" element={<SettingsPage />} />
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </AuthProvider>
  )
}

/** Without a token there is nothing to show: go to /login and come back afterwards. */
function RequireAuth({ children }: { children: ReactNode }) {
  const { user, loading } = useAuth()
  const location = useLocation()
  if (!getToken() || (!loading && !user)) {
    return (
      <Navigate
        to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`}
        replace
      />
    )
  }
  return <>{children}</>
}

function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        Nothing here. <Link to="/">Back to the experiments</Link>.
      </p>
    </section>
  )
}
