import type { RunStatus, Verdict } from '../../../src/shared/api'

/**
 * pass green, fail red, error orange, interrupted grey, running blue, queued amber (the reason
 * as its tooltip), cancelled grey.
 */
export function VerdictBadge({
  status,
  verdict,
  testId,
  title,
}: {
  status?: RunStatus | undefined
  verdict?: Verdict | undefined
  testId?: string
  title?: string | undefined
}) {
  const label =
    status === 'running' || status === 'queued' || status === 'cancelled'
      ? status
      : (verdict ?? (status === 'interrupted' ? 'interrupted' : 'none'))
  return (
    <span className={`badge badge-${label}`} data-testid={testId} title={title}>
      {label}
    </span>
  )
}
