/**
 * Schedules as the Schedules page and an experiment's page list them: cron and time zone, the
 * next ticks, the last tick's outcome, paused or not (with who paused), and a history per
 * schedule. Pause / Resume only for editors and owners (a viewer sees no button).
 */
import { Fragment, useState } from 'react'
import { Link } from 'react-router'
import type { ScheduleInfo } from '../../../../src/shared/continuous'
import { errorMessage } from '../../api/client'
import { setSchedulePaused } from '../../api/continuous'
import { excludedText, placementText } from '../../continuous-format'
import { formatTime } from '../../format'
import { ErrorBox } from '../Layout'
import { NextTicks } from './NextTicks'
import { ScheduleTicks } from './ScheduleTicks'
import { TickOutcome } from './TickOutcome'

const key = (s: ScheduleInfo) => `${s.experimentId}/${s.name}`

export function SchedulesTable(props: {
  schedules: ScheduleInfo[]
  showExperiment?: boolean
  editable: boolean
  now: number
  onChanged: () => void
}) {
  const { schedules, showExperiment = false, editable, now, onChanged } = props
  const [open, setOpen] = useState<string>()
  const [busy, setBusy] = useState<string>()
  const [error, setError] = useState<string>()
  const columns = showExperiment ? 7 : 6

  async function toggle(s: ScheduleInfo) {
    setBusy(key(s))
    setError(undefined)
    try {
      await setSchedulePaused(s, !s.paused)
      onChanged()
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(undefined)
    }
  }

  return (
    <>
      <ErrorBox error={error} />
      <table className="table" data-testid="schedules-table">
        <thead>
          <tr>
            {showExperiment && <th>Experiment</th>}
            <th>Schedule</th>
            <th>When</th>
            <th>Next ticks</th>
            <th>Last tick</th>
            <th>State</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {schedules.map((s) => (
            <Fragment key={key(s)}>
              <tr
                data-testid="schedule-row"
                data-experiment={s.experimentName}
                data-name={s.name}
                data-paused={String(s.paused)}
              >
                {showExperiment && (
                  <td>
                    <Link to={`/experiments/${s.experimentId}`}>{s.experimentName}</Link>
                  </td>
                )}
                <td className="strong" title={scheduleTitle(s)}>
                  {s.name}
                </td>
                <td>
                  <code className="mono">{s.cron}</code>{' '}
                  <span className="muted small">{s.timeZone}</span>
                  {s.exclude.length > 0 && (
                    <div className="muted small" data-testid="schedule-exclude">
                      except {s.exclude.map(excludedText).join('; ')}
                    </div>
                  )}
                </td>
                <td>
                  <NextTicks ticks={s.nextTicks} paused={s.paused} now={now} />
                </td>
                <td>
                  {s.lastTick ? (
                    <>
                      <TickOutcome tick={s.lastTick} />
                      <div className="muted small">due {formatTime(s.lastTick.dueAt)}</div>
                    </>
                  ) : (
                    <span className="muted">never ticked</span>
                  )}
                </td>
                <td data-testid="schedule-state">
                  {s.paused ? (
                    <span
                      className="tag tag-paused"
                      title={
                        s.pausedBy ? `paused by ${s.pausedBy} ${formatTime(s.pausedAt)}` : 'paused'
                      }
                    >
                      paused
                    </span>
                  ) : (
                    <span className="tag">active</span>
                  )}
                </td>
                <td className="actions">
                  {editable && (
                    <button
                      type="button"
                      data-testid={s.paused ? 'schedule-resume' : 'schedule-pause'}
                      disabled={busy === key(s)}
                      onClick={() => void toggle(s)}
                    >
                      {s.paused ? 'Resume' : 'Pause'}
                    </button>
                  )}
                  <button
                    type="button"
                    className="link"
                    data-testid="schedule-history"
                    onClick={() => setOpen(open === key(s) ? undefined : key(s))}
                  >
                    {open === key(s) ? 'Hide history' : 'History'}
                  </button>
                </td>
              </tr>
              {open === key(s) && (
                <tr>
                  <td colSpan={columns}>
                    <ScheduleTicks experimentId={s.experimentId} name={s.name} />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
          {schedules.length === 0 && (
            <tr>
              <td colSpan={columns} className="muted">
                No schedules. Add <code>spec.schedules</code> to a manifest (a cron expression and a
                time zone) and save it.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </>
  )
}

/** The settings a row does not show as columns, as the name's tooltip. */
function scheduleTitle(s: ScheduleInfo): string {
  return [
    `concurrency ${s.concurrencyPolicy}`,
    s.jitterMs > 0 ? `jitter up to ${s.jitterMs} ms` : 'no jitter',
    s.startingDeadlineSeconds !== undefined
      ? `starting deadline ${s.startingDeadlineSeconds} s`
      : 'no starting deadline',
    `keeps ${s.historyLimit} ticks`,
    `runs on ${placementText(s.placement)}`,
  ].join(' · ')
}
