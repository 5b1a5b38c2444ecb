import { Link } from 'react-router'
import type { ScheduleTick } from '../../../../src/shared/continuous'
import { tickOutcomeText } from '../../continuous-format'

/** A tick's outcome: `ran` with a link to its run, or skipped / failed with the reason. */
export function TickOutcome({ tick }: { tick: ScheduleTick }) {
  return (
    <span
      className={`tick tick-${tick.outcome}`}
      data-testid="tick-outcome"
      data-outcome={tick.outcome}
    >
      {tickOutcomeText(tick)}
      {tick.runId && (
        <>
          {' '}
          <Link to={`/runs/${tick.runId}`} className="mono small" data-testid="tick-run">
            {tick.runId}
          </Link>
        </>
      )}
    </span>
  )
}
