/**
 * Settings → Notifications: where verdict changes are posted (a generic webhook or a
 * Slack-compatible incoming webhook), shown by scheme and host only (a Slack URL's path is its
 * secret). Owners add, test and delete targets; everyone sees the recent deliveries.
 */
import { useState } from 'react'
import type { FormEvent } from 'react'
import type {
  NewNotificationTarget,
  NotificationDelivery,
  NotificationKind,
  NotificationTarget,
} from '../../../../src/shared/continuous'
import { api, errorMessage } from '../../api/client'
import { paths } from '../../api/continuous'
import { formatTime, labelPairs, parseLabels } from '../../format'
import { useInterval, useResource } from '../../hooks'
import { ErrorBox } from '../Layout'
import { NotificationDeliveries } from './NotificationDeliveries'

export function NotificationsCard({ owner }: { owner: boolean }) {
  const targets = useResource<NotificationTarget[]>(paths.targets)
  const deliveries = useResource<NotificationDelivery[]>(`${paths.deliveries}?limit=50`)
  useInterval(deliveries.reload, 10_000)
  const [name, setName] = useState('')
  const [kind, setKind] = useState<NotificationKind>('slack')
  const [url, setUrl] = useState('')
  const [labels, setLabels] = useState('')
  const [error, setError] = useState<string>()
  const [notice, setNotice] = useState<string>()

  async function create(e: FormEvent) {
    e.preventDefault()
    setError(undefined)
    setNotice(undefined)
    const parsed = parseLabels(labels)
    if ('error' in parsed) {
      setError(parsed.error)
      return
    }
    const body: NewNotificationTarget = { name: name.trim(), kind, url: url.trim() }
    if (Object.keys(parsed.labels).length > 0) {
      body.labels = parsed.labels
    }
    try {
      await api.post<NotificationTarget>(paths.targets, body)
      setName('')
      setUrl('')
      setLabels('')
      targets.reload()
    } catch (err) {
      setError(errorMessage(err))
    }
  }

  async function test(t: NotificationTarget) {
    setError(undefined)
    setNotice(undefined)
    try {
      const d = await api.post<NotificationDelivery | undefined>(`${paths.target(t.id)}/test`)
      setNotice(
        d ? `Test to ${t.name}: ${d.status}${d.lastError ? ` (${d.lastError})` : ''}` : undefined
      )
      deliveries.reload()
    } catch (err) {
      setError(errorMessage(err))
    }
  }

  async function remove(t: NotificationTarget) {
    if (!window.confirm(`Delete notification target ${t.name}?`)) {
      return
    }
    try {
      await api.del(paths.target(t.id))
      targets.reload()
    } catch (err) {
      setError(errorMessage(err))
    }
  }

  return (
    <div className="card" data-testid="notifications-card">
      <h3>Notifications</h3>
      <p className="muted small">
        When a run&apos;s verdict changes (pass → fail, fail → pass, error), a message with a link
        to the run goes to each target whose labels the experiment carries; failed posts are retried
        with backoff.
      </p>
      <ErrorBox error={targets.error ?? error} />
      {notice && (
        <div className="notice" data-testid="notification-test-result">
          {notice}
        </div>
      )}
      {owner && (
        <form className="inline-form" onSubmit={(e) => void create(e)}>
          <input
            placeholder="target name (e.g. team-slack)"
            data-testid="target-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
          />
          <select
            aria-label="kind"
            data-testid="target-kind"
            value={kind}
            onChange={(e) => setKind(e.target.value as NotificationKind)}
          >
            <option value="slack">Slack-compatible</option>
            <option value="webhook">generic webhook</option>
          </select>
          <input
            type="password"
            autoComplete="off"
            placeholder={
              kind === 'slack'
                ? 'https://hooks.slack.com/services/…'
                : 'https://receiver.example/ordeal'
            }
            data-testid="target-url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            required
          />
          <input
            placeholder="labels (team=orders), optional"
            data-testid="target-labels"
            value={labels}
            onChange={(e) => setLabels(e.target.value)}
          />
          <button
            type="submit"
            className="primary"
            data-testid="create-target"
            disabled={!name.trim() || !url.trim()}
          >
            Add target
          </button>
        </form>
      )}
      <table className="table compact" data-testid="targets-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Kind</th>
            <th>URL</th>
            <th>Labels</th>
            <th>Created</th>
            {owner && <th />}
          </tr>
        </thead>
        <tbody>
          {targets.data?.map((t) => (
            <tr key={t.id} data-testid="target-row" data-name={t.name}>
              <td className="strong">{t.name}</td>
              <td>{t.kind}</td>
              <td className="mono small" data-testid="target-url-hint">
                {t.urlHint}
              </td>
              <td>
                {labelPairs(t.labels).map((l) => (
                  <span key={l} className="tag">
                    {l}
                  </span>
                ))}
                {labelPairs(t.labels).length === 0 && <span className="muted">all</span>}
              </td>
              <td>
                {formatTime(t.createdAt)} <span className="muted small">{t.createdByName}</span>
              </td>
              {owner && (
                <td className="actions">
                  <button type="button" data-testid="target-test" onClick={() => void test(t)}>
                    Test
                  </button>
                  <button type="button" className="danger-outline" onClick={() => void remove(t)}>
                    Delete
                  </button>
                </td>
              )}
            </tr>
          ))}
          {targets.data?.length === 0 && (
            <tr>
              <td colSpan={owner ? 6 : 5} className="muted">
                No targets yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <h4>Recent deliveries</h4>
      <ErrorBox error={deliveries.error} />
      {deliveries.data && <NotificationDeliveries deliveries={deliveries.data} />}
    </div>
  )
}
