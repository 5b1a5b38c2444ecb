/**
 * An experiment's page: its schedules (next ticks, last tick, pause for editors, history) and
 * its triggers (source, hook, app, conditions, debounce, last firing, pending events), both
 * read from the current version's manifest by the server.
 */
import type { ScheduleInfo, TriggerInfo } from '../../../../src/shared/continuous'
import { useAuth } from '../../auth'
import { paths } from '../../api/continuous'
import { canEdit } from '../../continuous-format'
import { useInterval, useNow, useResource } from '../../hooks'
import { ErrorBox } from '../Layout'
import { SchedulesTable } from './SchedulesTable'
import { TriggersTable } from './TriggersTable'

export function ContinuousSections({ experimentId }: { experimentId: string }) {
  const { user } = useAuth()
  const schedules = useResource<ScheduleInfo[]>(paths.experimentSchedules(experimentId))
  const triggers = useResource<TriggerInfo[]>(paths.experimentTriggers(experimentId))
  const now = useNow()
  useInterval(() => {
    schedules.reload()
    triggers.reload()
  }, 10_000)
  return (
    <>
      <h2 id="schedules">Schedules</h2>
      <ErrorBox error={schedules.error} />
      {schedules.data && (
        <SchedulesTable
          schedules={schedules.data}
          editable={canEdit(user?.role)}
          now={now}
          onChanged={schedules.reload}
        />
      )}
      <h2 id="triggers">Triggers</h2>
      <ErrorBox error={triggers.error} />
      {triggers.data && <TriggersTable triggers={triggers.data} />}
    </>
  )
}
