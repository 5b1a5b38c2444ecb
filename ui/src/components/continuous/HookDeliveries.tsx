/**
 * A hook's recent deliveries, newest first: accepted (and the triggers it matched), ignored
 * (nothing subscribed, conditions false) or rejected (signature, replay, stale, bad payload),
 * each with its reason: what a sender's operator needs when "the deploy did not run the test".
 */
import type { HookDelivery } from '../../../../src/shared/continuous'
import { paths } from '../../api/continuous'
import { formatTime } from '../../format'
import { useResource } from '../../hooks'
import { ErrorBox } from '../Layout'

export function HookDeliveries({ hookId }: { hookId: string }) {
  const deliveries = useResource<HookDelivery[]>(paths.hookDeliveries(hookId))
  const list = deliveries.data ?? []
  return (
    <div data-testid="hook-deliveries">
      <ErrorBox error={deliveries.error} />
      {deliveries.data && list.length === 0 ? (
        <div className="muted small">No deliveries yet.</div>
      ) : (
        <table className="table compact">
          <thead>
            <tr>
              <th>Received</th>
              <th>Delivery</th>
              <th>Outcome</th>
              <th>Matched</th>
            </tr>
          </thead>
          <tbody>
            {list.map((d) => (
              <tr
                key={`${d.deliveryId}-${d.receivedAt}`}
                data-testid="hook-delivery"
                data-outcome={d.outcome}
              >
                <td>{formatTime(d.receivedAt)}</td>
                <td className="mono small">{d.deliveryId}</td>
                <td>
                  <DeliveryOutcome delivery={d} />
                </td>
                <td className="small">
                  {d.matched.length > 0 ? d.matched.join(', ') : <span className="muted">—</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}

export function DeliveryOutcome({ delivery }: { delivery: HookDelivery }) {
  return (
    <span className={`delivery delivery-${delivery.outcome}`}>
      {delivery.outcome}
      {delivery.reason ? `: ${delivery.reason}` : ''}
    </span>
  )
}
