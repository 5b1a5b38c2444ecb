/**
 * Recent notification deliveries, newest first; failed and pending ones stand out with their
 * attempts, last error and next attempt, so a Slack webhook that stopped working is seen here
 * rather than guessed from a silent channel.
 */
import { Link } from 'react-router'
import type { NotificationDelivery } from '../../../../src/shared/continuous'
import { formatTime } from '../../format'

export function NotificationDeliveries({ deliveries }: { deliveries: NotificationDelivery[] }) {
  return (
    <table className="table compact" data-testid="notification-deliveries">
      <thead>
        <tr>
          <th>Created</th>
          <th>Target</th>
          <th>Run</th>
          <th>Change</th>
          <th>Status</th>
          <th className="num">Attempts</th>
          <th>Last error / next attempt</th>
        </tr>
      </thead>
      <tbody>
        {deliveries.map((d) => (
          <tr
            key={d.id}
            className={d.status === 'delivered' ? '' : `row-${d.status}`}
            data-testid="notification-delivery"
            data-status={d.status}
            data-target={d.targetName}
          >
            <td>{formatTime(d.createdAt)}</td>
            <td>{d.targetName}</td>
            <td>
              {/* A test message (Test button) belongs to no run and no experiment. */}
              {d.experimentName ? (
                <Link to={`/runs/${d.runId}`}>{d.experimentName}</Link>
              ) : (
                <span className="muted">test message</span>
              )}
            </td>
            <td>{d.change}</td>
            <td className="strong">
              {d.status}
              {d.deliveredAt && <div className="muted small">{formatTime(d.deliveredAt)}</div>}
            </td>
            <td className="num">{d.attempts}</td>
            <td className="small">
              {d.lastError ?? ''}
              {d.nextAttemptAt && (
                <div className="muted">next attempt {formatTime(d.nextAttemptAt)}</div>
              )}
            </td>
          </tr>
        ))}
        {deliveries.length === 0 && (
          <tr>
            <td colSpan={7} className="muted">
              No notifications sent yet: one goes out when a verdict changes.
            </td>
          </tr>
        )}
      </tbody>
    </table>
  )
}
