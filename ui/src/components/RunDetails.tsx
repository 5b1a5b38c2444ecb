/** The run page's tables: steps and faults, probes (and load thresholds), check findings. */
import type { RunResult } from '../../../src/shared/api'
import type { RunView, StepState } from '../../../src/shared/run-view'
import { formatDuration, formatOffset, formatScore } from '../format'
import { thresholdComparison } from '../../../src/shared/threshold-text'
import { recoveryText } from '../../../src/shared/recovery-text'

const STEP_ICON: Record<StepState['status'], string> = {
  pending: '○',
  running: '◐',
  ok: '●',
  error: '✗',
  aborted: '■',
  'not-run': '–',
}

export function StepsList({ view, result }: { view: RunView; result: RunResult | undefined }) {
  const scores = new Map(result?.steps.map((s) => [s.id, s.score]) ?? [])
  return (
    <div className="card">
      <h3>Steps</h3>
      <ul className="steps">
        {view.steps.map((s) => {
          const score = scores.get(s.id)
          return (
            <li
              key={s.id}
              className={`step step-${s.status}`}
              style={{ paddingLeft: `${depth(s.path) * 16}px` }}
            >
              <span className="step-icon" title={s.status}>
                {STEP_ICON[s.status]}
              </span>
              <span className="strong">{s.name}</span>{' '}
              <span className="tag">{s.faultType ?? s.kind}</span>
              <span className="muted small">
                {' '}
                {s.startedAt !== undefined && formatOffset(s.startedAt, view.startedAt)}
                {s.startedAt !== undefined &&
                  s.endedAt !== undefined &&
                  ` · ${formatDuration(s.endedAt - s.startedAt)}`}
              </span>
              {score !== undefined && score !== null && (
                <span className="step-score">score {formatScore(score)}</span>
              )}
              {s.error && <div className="step-error">{s.error}</div>}
            </li>
          )
        })}
      </ul>
      {view.faults.length > 0 && (
        <>
          <h3>Faults</h3>
          <ul className="faults">
            {view.faults.map((f) => (
              <li key={f.faultId}>
                <span className="tag">{f.faultType}</span>{' '}
                {f.targets.join(', ') || <span className="muted">no target yet</span>}
                <span className="muted small">
                  {' '}
                  {formatOffset(f.start, view.startedAt)} →{' '}
                  {f.end !== undefined
                    ? `${formatOffset(f.end, view.startedAt)} (${formatDuration(f.end - f.start)})`
                    : 'active'}
                  {f.actions > 0 && ` · ${f.actions} action${f.actions === 1 ? '' : 's'}`}
                </span>
                {f.recovery?.map((r, i) => (
                  <div
                    key={`${r.workload}-${i}`}
                    data-testid="fault-recovery"
                    data-recovered={r.recovered}
                    className={r.recovered ? 'fault-recovery' : 'fault-recovery not-recovered'}
                  >
                    {recoveryText(r)}
                  </div>
                ))}
                {f.error && <div className="step-error">{f.error}</div>}
              </li>
            ))}
          </ul>
        </>
      )}
      {view.faultFailures
        .filter((ff) => !view.index.faults.has(ff.faultId))
        .map((ff) => (
          <div key={`${ff.faultId}-${ff.phase}`} className="step-error">
            fault {ff.faultId} {ff.phase} failed: {ff.error}
          </div>
        ))}
    </div>
  )
}

function depth(path: string): number {
  return Math.max(0, path.split('/').length - 1)
}

const verdictClass = (v: string) => `pv pv-${v.replace('/', '').toLowerCase()}`

export function ProbeTable({ view }: { view: RunView }) {
  const thresholds = view.loads.flatMap((l) =>
    (l.summary?.thresholds ?? []).map((t) => ({ ...t, stepId: l.stepId }))
  )
  return (
    <div className="card">
      <h3>Probes</h3>
      <table className="table compact" data-testid="probe-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Type</th>
            <th>Mode</th>
            <th>Verdict</th>
            <th className="num">Attempts</th>
            <th>Message</th>
          </tr>
        </thead>
        <tbody>
          {view.probes.map((p) => (
            <tr key={p.id} data-testid="probe-row">
              <td className="strong">{p.name}</td>
              <td>{p.type}</td>
              <td>{p.mode}</td>
              <td>
                <span className={verdictClass(p.verdict)}>{p.verdict}</span>
              </td>
              <td className="num">
                {p.attempts}
                {p.failedAttempts > 0 && (
                  <span className="fail-count"> ({p.failedAttempts} failed)</span>
                )}
              </td>
              <td className="message">
                {p.verdict === 'pending' ? (p.latest?.message ?? '') : p.message}
              </td>
            </tr>
          ))}
          {thresholds.map((t) => (
            <tr key={`${t.stepId}-${t.metric}-${t.expression}`} data-testid="probe-row">
              <td className="strong mono">
                {t.metric} {t.expression}
              </td>
              <td>threshold</td>
              <td>EOT</td>
              <td>
                <span className={verdictClass(t.ok ? 'Passed' : 'Failed')}>
                  {t.ok ? 'Passed' : 'Failed'}
                </span>
              </td>
              <td className="num">1</td>
              <td className="message" data-testid="threshold-message">
                {thresholdComparison(t)}
              </td>
            </tr>
          ))}
          {view.probes.length + thresholds.length === 0 && (
            <tr>
              <td colSpan={6} className="muted">
                No probes in this experiment.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  )
}

const MAX_LOST = 50

export function CheckFindings({ view }: { view: RunView }) {
  return (
    <div className="card" data-testid="check-findings">
      <h3>Checks</h3>
      {view.checks.length === 0 && (
        <div className="muted">No history checks in this experiment.</div>
      )}
      {view.checks.map((c) => (
        <div key={c.id} className="check">
          <div>
            <span className="strong">{c.name}</span> <span className="tag">{c.type}</span>{' '}
            <span className={verdictClass(c.status === 'running' ? 'running' : c.verdict)}>
              {c.status === 'running' ? 'checking…' : c.verdict}
            </span>
          </div>
          {c.error && <div className="step-error">could not be evaluated: {c.error}</div>}
          {c.status === 'done' && !c.error && c.message !== undefined && (
            <div className="muted">{c.message}</div>
          )}
          {c.status === 'done' && !c.error && c.message === undefined && (
            <>
              <dl className="counts">
                <Count label="attempted" value={c.attempted ?? 0} />
                <Count label="lost" value={c.lost.length} bad />
                <Count label="duplicated" value={c.duplicated.length} bad />
                <Count label="unexpected" value={c.unexpected.length} bad />
                {c.type === 'set' && <Count label="never read" value={c.neverRead.length} bad />}
                {c.type === 'queue' && <Count label="recovered" value={c.recovered.length} />}
              </dl>
              {c.lost.length > 0 && (
                <details open>
                  <summary>
                    Lost ids
                    {c.lost.length > MAX_LOST ? ` (first ${MAX_LOST} of ${c.lost.length})` : ''}
                  </summary>
                  <ul className="findings mono">
                    {c.lost.slice(0, MAX_LOST).map((f) => (
                      <li key={f.id}>
                        {f.id}{' '}
                        <span className="muted">
                          +{Math.round(f.at)}ms · {f.window}
                        </span>
                      </li>
                    ))}
                  </ul>
                </details>
              )}
              {c.duplicated.length > 0 && (
                <details>
                  <summary>Duplicated ids</summary>
                  <ul className="findings mono">
                    {c.duplicated.slice(0, MAX_LOST).map((d) => (
                      <li key={d.id}>
                        {d.id}
                        {d.count !== undefined && <span className="muted"> ×{d.count}</span>}
                      </li>
                    ))}
                  </ul>
                </details>
              )}
              {c.unexpected.length > 0 && (
                <details>
                  <summary>Unexpected ids</summary>
                  <ul className="findings mono">
                    {c.unexpected.slice(0, MAX_LOST).map((id) => (
                      <li key={id}>{id}</li>
                    ))}
                  </ul>
                </details>
              )}
            </>
          )}
        </div>
      ))}
    </div>
  )
}

function Count({ label, value, bad = false }: { label: string; value: number; bad?: boolean }) {
  return (
    <div className={bad && value > 0 ? 'count bad' : 'count'}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  )
}
