/**
 * What the server shows only once (a hook's or a git source's URL and secret): each value
 * selectable, with its own Copy button, and a line saying it will not be shown again.
 */
import { CopyButton } from './CopyButton'

export interface SecretValue {
  label: string
  value: string
  testId: string
}

export function SecretOnce({ title, values }: { title: string; values: SecretValue[] }) {
  return (
    <div className="notice secret" data-testid="secret-once" role="status">
      <div>{title} Copy the secret now: it is shown only once.</div>
      {values.map((v) => (
        <div key={v.testId} className="secret-row">
          <span className="muted small secret-label">{v.label}</span>
          <code className="mono" data-testid={v.testId}>
            {v.value}
          </code>
          <CopyButton text={v.value} testId={`${v.testId}-copy`} />
        </div>
      ))}
    </div>
  )
}
