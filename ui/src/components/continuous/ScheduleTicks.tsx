/**
 * One schedule's tick history, newest first: when each was due, when it fired (jitter and delay
 * show as the gap), and what happened: ran (its run), skipped or failed with the reason.
 */
import type { ScheduleTickPage } from '../../../../src/shared/continuous'
import { paths } from '../../api/continuous'
import { formatTime } from '../../format'
import { useResource } from '../../hooks'
import { ErrorBox } from '../Layout'
import { TickOutcome } from './TickOutcome'

export function ScheduleTicks({ experimentId, name }: { experimentId: string; name: string }) {
  const page = useResource<ScheduleTickPage>(paths.ticks(experimentId, name))
  const ticks = page.data?.ticks ?? []
  return (
    <div className="ticks" data-testid="schedule-ticks">
      <ErrorBox error={page.error} />
      {page.data && ticks.length === 0 ? (
        <div className="muted small">No ticks yet.</div>
      ) : (
        <table className="table compact">
          <thead>
            <tr>
              <th>Due</th>
              <th>Fired</th>
              <th>Outcome</th>
            </tr>
          </thead>
          <tbody>
            {ticks.map((t) => (
              <tr key={t.dueAt} data-testid="tick-row" data-outcome={t.outcome}>
                <td
                  title={t.fireAt ? `meant to start ${formatTime(t.fireAt)} (jitter)` : undefined}
                >
                  {formatTime(t.dueAt)}
                </td>
                <td>{formatTime(t.firedAt)}</td>
                <td>
                  <TickOutcome tick={t} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}
