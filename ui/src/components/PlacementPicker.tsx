/**
 * Where the Run button starts a run: this server (the embedded agent, as before), one agent by
 * name (connected ones first, the others still choosable: the run then waits queued), or any
 * agent carrying every `k=v` label typed in.
 */
import type { AgentInfo } from '../../../src/shared/api'
import { labelPairs, parseLabels, sortAgents } from '../format'

export type PlacementChoice =
  { kind: 'server' } | { kind: 'agent'; agent: string } | { kind: 'labels'; text: string }

/** The placement fields of `POST /api/runs`, or a one-line error for a malformed labels input. */
export function placementBody(
  choice: PlacementChoice
): { agent?: string; labels?: Record<string, string> } | { error: string } {
  if (choice.kind === 'agent') {
    return { agent: choice.agent }
  }
  if (choice.kind === 'labels') {
    const parsed = parseLabels(choice.text)
    if ('error' in parsed) {
      return parsed
    }
    if (Object.keys(parsed.labels).length === 0) {
      return { error: 'labels: give at least one key=value' }
    }
    return { labels: parsed.labels }
  }
  return {}
}

function encode(choice: PlacementChoice): string {
  return choice.kind === 'agent' ? `agent:${choice.agent}` : choice.kind
}

export function PlacementPicker({
  agents,
  value,
  onChange,
}: {
  agents: readonly AgentInfo[]
  value: PlacementChoice
  onChange: (choice: PlacementChoice) => void
}) {
  return (
    <span className="placement">
      <select
        data-testid="run-placement"
        aria-label="where to run"
        value={encode(value)}
        onChange={(e) => {
          const v = e.target.value
          onChange(
            v.startsWith('agent:')
              ? { kind: 'agent', agent: v.slice('agent:'.length) }
              : v === 'labels'
                ? { kind: 'labels', text: value.kind === 'labels' ? value.text : '' }
                : { kind: 'server' }
          )
        }}
      >
        <option value="server">this server</option>
        {sortAgents(agents).map((a) => (
          <option key={a.name} value={`agent:${a.name}`}>
            {a.name} {a.connected ? '' : '(not connected)'}
            {labelPairs(a.labels).length > 0 ? ` [${labelPairs(a.labels).join(', ')}]` : ''}
          </option>
        ))}
        <option value="labels">any agent with labels…</option>
      </select>
      {value.kind === 'labels' && (
        <input
          data-testid="run-labels"
          placeholder="zone=eu, os=linux"
          value={value.text}
          onChange={(e) => onChange({ kind: 'labels', text: e.target.value })}
        />
      )}
    </span>
  )
}
