import type { RunStatus, Verdict } from '../../../src/shared/api'

/** pass green, fail red, error orange, interrupted grey, running blue. */
export function VerdictBadge({
  status,
  verdict,
  testId,
}: {
  status?: RunStatus | undefined
  verdict?: Verdict | undefined
  testId?: string
}) {
  const label =
    status === 'running'
      ? 'running'
      : (verdict ?? (status === 'interrupted' ? 'interrupted' : 'none'))
  return (
    <span className={`badge badge-${label}`} data-testid={testId}>
      {label}
    </span>
  )
}
