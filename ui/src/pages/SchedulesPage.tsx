/**
 * Every schedule of this Chaos Center (`GET /api/schedules`), polled every 10 s: which
 * experiment, cron and time zone, the next ticks in local time and relative, the last tick's
 * outcome, paused or not; a schedule's tick history on demand. Schedules are declared in the
 * manifests (`spec.schedules`); here they are watched, paused and resumed.
 */
import type { ScheduleInfo } from '../../../src/shared/continuous'
import { useAuth } from '../auth'
import { paths } from '../api/continuous'
import { SchedulesTable } from '../components/continuous/SchedulesTable'
import { ErrorBox } from '../components/Layout'
import { canEdit } from '../continuous-format'
import { useInterval, useNow, useResource } from '../hooks'

const POLL_MS = 10_000

export function SchedulesPage() {
  const { user } = useAuth()
  const schedules = useResource<ScheduleInfo[]>(paths.schedules)
  useInterval(schedules.reload, POLL_MS)
  const now = useNow()
  const list = schedules.data ?? []
  const paused = list.filter((s) => s.paused).length
  return (
    <section>
      <div className="page-head">
        <h1>Schedules</h1>
        <span className="muted small" data-testid="schedules-count">
          {schedules.data ? `${list.length} schedules, ${paused} paused` : ''}
        </span>
      </div>
      <ErrorBox error={schedules.error} />
      {schedules.data && (
        <SchedulesTable
          schedules={list}
          showExperiment
          editable={canEdit(user?.role)}
          now={now}
          onChanged={schedules.reload}
        />
      )}
    </section>
  )
}
