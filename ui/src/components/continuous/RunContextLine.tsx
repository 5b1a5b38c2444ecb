import type { RunContext } from '../../../../src/shared/continuous'
import { causeLine, shortCommit } from '../../continuous-format'
import { formatTime } from '../../format'

/**
 * Under a run's title: what started it when no person did (a schedule's tick, a trigger, a
 * gate) and, for a git-managed experiment, the commit it ran.
 */
export function RunContextLine({ cause, origin }: RunContext) {
  if (!cause && !origin) {
    return null
  }
  return (
    <div className="run-context small">
      {cause && (
        <span
          data-testid="run-cause"
          data-kind={cause.kind}
          title={cause.kind === 'schedule' ? `due ${formatTime(cause.dueAt)}` : undefined}
        >
          {causeLine(cause)}
        </span>
      )}
      {cause && origin && ' · '}
      {origin && (
        <span data-testid="run-origin" title={origin.commit}>
          from git source {origin.source}: {origin.path} @{' '}
          <span className="mono">{shortCommit(origin.commit)}</span>
        </span>
      )}
    </div>
  )
}
