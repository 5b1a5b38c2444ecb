import type { GitOrigin } from '../../../../src/shared/continuous'
import { originLine } from '../../continuous-format'

/** The banner of a git-managed experiment: where it comes from and why it cannot be edited here. */
export function GitOriginBanner({ origin }: { origin: GitOrigin }) {
  return (
    <div
      className="git-banner"
      data-testid="git-origin-banner"
      data-commit={origin.commit}
      title={`commit ${origin.commit}`}
    >
      <span className="strong">{originLine(origin)}</span>
      <span className="muted small">
        {' '}
        · read-only here: change {origin.path} in git and push; the next sync brings it in.
      </span>
    </div>
  )
}
