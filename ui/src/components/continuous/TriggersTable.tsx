/**
 * Triggers (from the manifests' `spec.triggers`): what fires each (source and hook, the app),
 * its conditions and debounce window, its last firing (ran with the run, skipped or failed with
 * the reason) and the events waiting for the end of the window.
 */
import { Link } from 'react-router'
import type { TriggerFiring, TriggerInfo } from '../../../../src/shared/continuous'
import { conditionsText, debounceText, placementText } from '../../continuous-format'
import { formatTime } from '../../format'

export function TriggersTable({
  triggers,
  showExperiment = false,
}: {
  triggers: TriggerInfo[]
  showExperiment?: boolean
}) {
  const columns = showExperiment ? 8 : 7
  return (
    <table className="table" data-testid="triggers-table">
      <thead>
        <tr>
          {showExperiment && <th>Experiment</th>}
          <th>Trigger</th>
          <th>Source</th>
          <th>App</th>
          <th>Conditions</th>
          <th>Debounce</th>
          <th>Last firing</th>
          <th className="num">Pending</th>
        </tr>
      </thead>
      <tbody>
        {triggers.map((t) => (
          <tr
            key={`${t.experimentId}/${t.name}`}
            data-testid="trigger-row"
            data-name={t.name}
            data-experiment={t.experimentName}
          >
            {showExperiment && (
              <td>
                <Link to={`/experiments/${t.experimentId}`}>{t.experimentName}</Link>
              </td>
            )}
            <td className="strong" title={`runs on ${placementText(t.placement)}`}>
              {t.name}
            </td>
            <td data-testid="trigger-source">
              {t.on}
              {t.hook && <span className="muted small"> · hook {t.hook}</span>}
            </td>
            <td>{t.app ?? <span className="muted">any</span>}</td>
            <td className="small" data-testid="trigger-conditions">
              {conditionsText(t.conditions, t.conditionType)}
            </td>
            <td>{debounceText(t.debounceMs)}</td>
            <td>
              {t.lastFiring ? (
                <FiringLine firing={t.lastFiring} />
              ) : (
                <span className="muted">never fired</span>
              )}
            </td>
            <td className="num" data-testid="trigger-pending">
              {t.pendingEvents > 0 ? (
                <span className="tag tag-pending">{t.pendingEvents}</span>
              ) : (
                <span className="muted">0</span>
              )}
            </td>
          </tr>
        ))}
        {triggers.length === 0 && (
          <tr>
            <td colSpan={columns} className="muted">
              No triggers. Add <code>spec.triggers</code> to a manifest (a hook, Argo CD, Flux,
              GitHub or a Kubernetes workload) and save it.
            </td>
          </tr>
        )}
      </tbody>
    </table>
  )
}

function FiringLine({ firing }: { firing: TriggerFiring }) {
  const events = `${firing.events} event${firing.events === 1 ? '' : 's'}`
  return (
    <span className={`tick tick-${firing.outcome}`} data-outcome={firing.outcome}>
      {firing.outcome}
      {firing.reason ? `: ${firing.reason}` : ''}{' '}
      {firing.runId && (
        <Link to={`/runs/${firing.runId}`} className="mono small">
          {firing.runId}
        </Link>
      )}
      <div className="muted small">
        {formatTime(firing.at)} · {events}
      </div>
    </span>
  )
}
