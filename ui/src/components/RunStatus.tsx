/**
 * The run's one status indicator: `running` (with a live dot while the journal streams) until
 * the run ends, then its verdict (`pass`, `fail`, `error`) or `interrupted`; `queued` while a run
 * placed on an agent waits for it, `cancelled` when it was cancelled then. It replaces a
 * status word, a verdict badge and a live badge that said overlapping things side by side.
 */
import type { RunStatus as Status, Verdict } from '../../../src/shared/api'

export function RunStatusBadge(props: {
  status: Status
  verdict: Verdict | undefined
  live: boolean
}) {
  const { status, verdict, live } = props
  const label =
    status === 'running' ||
    status === 'interrupted' ||
    status === 'queued' ||
    status === 'cancelled'
      ? status
      : (verdict ?? 'none')
  return (
    <span
      className={`badge badge-${label} run-status`}
      data-testid="run-status"
      data-status={status}
      data-verdict={verdict ?? ''}
      title={status === 'running' ? (live ? 'running, streaming the journal' : 'running') : status}
    >
      {status === 'running' && live && <span className="dot" data-testid="live-indicator" />}
      {label}
    </span>
  )
}
