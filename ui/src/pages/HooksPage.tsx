/**
 * Hooks and triggers: the endpoints deploy tools post to (`POST /api/hooks/:id`, signed), made
 * here by editors (the URL and secret shown once, with Copy buttons), each with its recent
 * deliveries; below, every experiment's triggers and how they last fired.
 */
import { Fragment, useState } from 'react'
import type { FormEvent } from 'react'
import type { CreatedHook, HookInfo, HookKind, TriggerInfo } from '../../../src/shared/continuous'
import { useAuth } from '../auth'
import { api, errorMessage } from '../api/client'
import { absoluteUrl, paths } from '../api/continuous'
import { DeliveryOutcome, HookDeliveries } from '../components/continuous/HookDeliveries'
import { SecretOnce } from '../components/continuous/SecretOnce'
import { TriggersTable } from '../components/continuous/TriggersTable'
import { ErrorBox } from '../components/Layout'
import { canEdit } from '../continuous-format'
import { formatTime } from '../format'
import { useInterval, useResource } from '../hooks'

const KINDS: { kind: HookKind; label: string }[] = [
  { kind: 'generic', label: 'generic (HMAC-signed JSON)' },
  { kind: 'argocd', label: 'Argo CD notifications' },
  { kind: 'flux', label: 'Flux alerts' },
  { kind: 'github', label: 'GitHub deployment_status' },
]

export function HooksPage() {
  const { user } = useAuth()
  const editable = canEdit(user?.role)
  const hooks = useResource<HookInfo[]>(paths.hooks)
  const triggers = useResource<TriggerInfo[]>(paths.triggers)
  useInterval(triggers.reload, 10_000)
  const [name, setName] = useState('')
  const [kind, setKind] = useState<HookKind>('generic')
  const [created, setCreated] = useState<CreatedHook>()
  const [open, setOpen] = useState<string>()
  const [error, setError] = useState<string>()

  async function create(e: FormEvent) {
    e.preventDefault()
    setError(undefined)
    setCreated(undefined)
    try {
      setCreated(await api.post<CreatedHook>(paths.hooks, { name: name.trim(), kind }))
      setName('')
      hooks.reload()
    } catch (err) {
      setError(errorMessage(err))
    }
  }

  async function remove(h: HookInfo) {
    if (!window.confirm(`Delete hook ${h.name}? Senders using its URL are refused from now on.`)) {
      return
    }
    try {
      await api.del(paths.hook(h.id))
      hooks.reload()
    } catch (err) {
      setError(errorMessage(err))
    }
  }

  return (
    <section>
      <div className="page-head">
        <h1>Hooks and triggers</h1>
      </div>
      <div className="card">
        <h3>Hooks</h3>
        <p className="muted small">
          A hook is a URL a deploy tool posts to. A trigger in a manifest names the hook (
          <code>spec.triggers[].hook</code>); each accepted delivery runs the matching experiments
          once per debounce window.
        </p>
        <ErrorBox error={hooks.error ?? error} />
        {created && (
          <SecretOnce
            title={`Hook ${created.name} (${created.kind}) created.`}
            values={[
              { label: 'URL', value: absoluteUrl(created.url), testId: 'hook-url' },
              { label: 'Secret', value: created.secret, testId: 'hook-secret' },
            ]}
          />
        )}
        {editable && (
          <form className="inline-form" onSubmit={(e) => void create(e)}>
            <input
              placeholder="hook name (e.g. argo-prod)"
              data-testid="hook-name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              required
            />
            <select
              aria-label="kind"
              data-testid="hook-kind"
              value={kind}
              onChange={(e) => setKind(e.target.value as HookKind)}
            >
              {KINDS.map((k) => (
                <option key={k.kind} value={k.kind}>
                  {k.label}
                </option>
              ))}
            </select>
            <button
              type="submit"
              className="primary"
              data-testid="create-hook"
              disabled={!name.trim()}
            >
              Create hook
            </button>
          </form>
        )}
        <table className="table compact" data-testid="hooks-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Kind</th>
              <th>Created</th>
              <th>Last delivery</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {hooks.data?.map((h) => (
              <Fragment key={h.id}>
                <tr data-testid="hook-row" data-name={h.name}>
                  <td className="strong">{h.name}</td>
                  <td>{h.kind}</td>
                  <td>
                    {formatTime(h.createdAt)} <span className="muted small">{h.createdByName}</span>
                  </td>
                  <td>
                    {h.lastDelivery ? (
                      <>
                        <DeliveryOutcome delivery={h.lastDelivery} />
                        <div className="muted small">{formatTime(h.lastDelivery.receivedAt)}</div>
                      </>
                    ) : (
                      <span className="muted">none yet</span>
                    )}
                  </td>
                  <td className="actions">
                    <button
                      type="button"
                      className="link"
                      data-testid="hook-deliveries-toggle"
                      onClick={() => setOpen(open === h.id ? undefined : h.id)}
                    >
                      {open === h.id ? 'Hide deliveries' : 'Deliveries'}
                    </button>
                    {editable && (
                      <button
                        type="button"
                        className="danger-outline"
                        onClick={() => void remove(h)}
                      >
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
                {open === h.id && (
                  <tr>
                    <td colSpan={5}>
                      <HookDeliveries hookId={h.id} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
            {hooks.data?.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  No hooks yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>

      <h2>Triggers</h2>
      <ErrorBox error={triggers.error} />
      {triggers.data && <TriggersTable triggers={triggers.data} showExperiment />}
    </section>
  )
}
