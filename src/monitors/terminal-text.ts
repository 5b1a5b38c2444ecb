/**
 * Monitors in the terminal: a line per state change and per stop as the run goes, and a
 * `monitors` section in the final summary (verdict, the states it went through, what failed).
 * @module
 */
import pc from 'picocolors'
import type { JournalEvent } from '../engine/events.js'
import type { RunResult } from '../shared/result.js'
import { describeTransition } from './text.js'

type MonitorEvent = Extract<JournalEvent, { type: 'monitor.transition' | 'monitor.ended' }>

export function monitorLiveLine(e: MonitorEvent, startedAt: number): string | undefined {
  if (e.type === 'monitor.ended') {
    return e.verdict === 'accept'
      ? `${pc.green('◆')} monitor ${e.monitor} accepted: ${e.reason}`
      : pc.red(`◆ monitor ${e.monitor} failed: ${e.reason}`)
  }
  const r = e.transition
  // A stop is said by monitor.ended; a part's stop still shows, under the part's name.
  if (r.monitor === e.monitor && (r.to === 'accept' || r.to === 'fail')) {
    return undefined
  }
  return `${pc.cyan('◆')} monitor ${r.monitor}: ${describeTransition(r, startedAt || undefined)}`
}

export function monitorLines(result: RunResult): string[] {
  const monitors = result.monitors ?? []
  if (monitors.length === 0) {
    return []
  }
  const t0 = Date.parse(result.startedAt)
  const lines = ['', pc.bold('  monitors')]
  for (const m of monitors) {
    const mark =
      m.verdict === 'accept' ? pc.green('✓') : m.verdict === 'fail' ? pc.red('✗') : pc.dim('–')
    const own = m.transitions.filter((t) => t.monitor === m.name)
    const path = [own[0]?.from ?? m.state, ...own.map((t) => t.to)].join(' → ')
    lines.push(`  ${mark} ${m.name.padEnd(28).slice(0, 28)} ${m.verdict.padEnd(7)} ${pc.dim(path)}`)
    if (m.verdict === 'fail' && m.decidedBy) {
      const d = m.decidedBy
      lines.push(
        pc.red(`      ${m.reason ?? 'failed'}`),
        pc.red(`      ${d.monitor}: ${describeTransition({ ...d, at: Date.parse(d.at) }, t0)}`)
      )
    } else if (m.verdict === 'not-run') {
      lines.push(pc.dim('      not run: the steps did not start'))
    }
  }
  return lines
}
