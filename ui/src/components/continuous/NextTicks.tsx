import { relativeTime, shortWhen } from '../../continuous-format'
import { formatTime } from '../../format'

/** The next due times: the first as local time and relative, the others after it, smaller. */
export function NextTicks({
  ticks,
  paused,
  now,
}: {
  ticks: string[]
  paused: boolean
  now: number
}) {
  if (paused) {
    return <span className="muted">paused</span>
  }
  const [first, ...rest] = ticks
  if (first === undefined) {
    return <span className="muted">none</span>
  }
  return (
    <span data-testid="schedule-next" data-next={first}>
      <span title={first}>{formatTime(first)}</span>{' '}
      <span className="muted small">({relativeTime(first, now)})</span>
      {rest.length > 0 && (
        <span className="muted small" title={rest.map((t) => formatTime(t)).join('\n')}>
          {' '}
          then{' '}
          {rest
            .slice(0, 2)
            .map((t) => shortWhen(t, now))
            .join(', ')}
          {rest.length > 2 ? ', …' : ''}
        </span>
      )}
    </span>
  )
}
