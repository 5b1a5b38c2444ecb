/** The side-by-side view of `ordeal demo`: one column per version. */
import type { RunResult } from '../../engine/result.js'
import { formatDuration } from '../../shared/duration.js'
import { formatMs, formatOffset, formatScore } from '../../shared/units.js'
import { describeLost } from '../../checks/windows.js'

export function formatDemoTable(v1: RunResult, v2: RunResult, v1Ms: number, v2Ms: number): string {
  const rows: [string, string, string][] = [
    ['verdict', v1.verdict.toUpperCase(), v2.verdict.toUpperCase()],
    ['resilience score', formatScore(v1.resilienceScore), formatScore(v2.resilienceScore)],
    ...pair('orders sent', v1, v2, (r) => String(r.loads[0]?.summary?.requests ?? '-')),
    ...pair('orders acknowledged', v1, v2, (r) => String(queue(r)?.acknowledged ?? '-')),
    ...pair('lost (acknowledged, never delivered)', v1, v2, (r) => String(check(r)?.lost ?? '-')),
    ...pair('duplicated', v1, v2, (r) => String(check(r)?.duplicated ?? '-')),
    ...pair('unexpected', v1, v2, (r) => String(check(r)?.unexpected ?? '-')),
    ...pair('recovered (unknown outcome, delivered)', v1, v2, (r) =>
      String(queue(r)?.recovered.length ?? '-')
    ),
    ...pair('response p50 / p99', v1, v2, (r) => latency(r)),
    ...pair('what the fault did', v1, v2, (r) => fault(r)),
    ...pair(
      'probes passed',
      v1,
      v2,
      (r) => `${r.probes.filter((p) => p.verdict === 'Passed').length}/${r.probes.length}`
    ),
    ['time to verdict', formatDuration(v1Ms), formatDuration(v2Ms)],
  ]
  const w0 = Math.max(...rows.map((r) => r[0].length))
  const w1 = Math.max(4, ...rows.map((r) => r[1].length))
  const lines = [
    `${''.padEnd(w0)}  ${'v1'.padEnd(w1)}  v2`,
    ...rows.map(([k, a, b]) => `${k.padEnd(w0)}  ${a.padEnd(w1)}  ${b}`),
  ]
  const lost = queue(v1)?.lost ?? []
  if (lost.length) {
    lines.push('', `v1 lost orders (first ${Math.min(5, lost.length)} of ${lost.length}):`)
    for (const f of lost.slice(0, 5)) {
      lines.push(`  ${describeLost(f, 'queue')}`)
    }
  }
  return lines.join('\n')
}

function pair(
  label: string,
  v1: RunResult,
  v2: RunResult,
  f: (r: RunResult) => string
): [string, string, string][] {
  return [[label, f(v1), f(v2)]]
}

function check(r: RunResult) {
  return r.checks[0]
}

function queue(r: RunResult) {
  const details = r.checks[0]?.details
  return details?.type === 'queue' ? details : undefined
}

function latency(r: RunResult): string {
  const s = r.loads[0]?.summary
  return s ? `${formatMs(s.latency.response.p50)} / ${formatMs(s.latency.response.p99)}` : '-'
}

function fault(r: RunResult): string {
  const f = r.faults[0]
  if (!f?.injectedAt) {
    return 'not injected'
  }
  const at = formatOffset(Date.parse(f.injectedAt) - Date.parse(r.startedAt))
  return `${f.actions[0]?.detail ?? f.type} at ${at}`
}
