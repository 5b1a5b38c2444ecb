/**
 * The run's timeline as HTML rows on the run's time axis: each step as a bar (nested steps
 * indented), each fault's window shaded, and each probe's attempts as dots (green passed, red
 * failed, the message on hover). Positions are percentages of the run's length.
 */
import type { ReportData } from '../../../src/report/html/data'
import { formatAxisSeconds } from '../format'
import { faultColor } from '../components/colors'
import { readout } from './readout'
import { monitorRows } from './monitor-lanes'

export function timeline(host: HTMLElement, report: ReportData): void {
  const total = Math.max(report.duration, 1)
  const pct = (s: number) => `${Math.min(100, Math.max(0, (100 * s) / total)).toFixed(3)}%`
  const section = el('section', 'timeline')
  section.dataset['chart'] = 'timeline'
  section.append(
    el(
      'h3',
      '',
      report.monitors?.length ? 'Steps, faults, probes and monitors' : 'Steps, faults and probes'
    )
  )
  const rows = el('div', 'rows')
  section.append(rows)
  const row = (label: string, title: string, depth = 0) => {
    const r = el('div', 'row')
    const l = el('div', 'label', label)
    l.style.paddingLeft = `${depth * 12}px`
    l.title = title
    const track = el('div', 'track')
    r.append(l, track)
    rows.append(r)
    return track
  }
  for (const s of report.steps) {
    if (s.kind === 'serial' && s.depth === 0) {
      continue
    }
    const track = row(
      s.name,
      `${s.path} (${s.kind}${s.faultType ? `: ${s.faultType}` : ''})`,
      s.depth
    )
    if (s.start === undefined) {
      continue
    }
    const bar = el('div', `bar step-${s.kind} status-${s.status}`)
    const end = s.end ?? report.duration
    bar.style.left = pct(s.start)
    bar.style.width = pct(Math.max(end - s.start, total / 500))
    bar.title = `${s.name}: ${formatAxisSeconds(s.start)}..${formatAxisSeconds(end)} ${s.status}${s.error ? ` — ${s.error}` : ''}`
    track.append(bar)
  }
  const faults = row('faults', 'every fault window')
  const bands = report.faults.map((f) => {
    const end = f.end ?? report.duration
    const band = el('div', 'band', f.faultType)
    band.style.left = pct(f.start)
    band.style.width = pct(Math.max(end - f.start, total / 500))
    band.style.background = faultColor(f.faultType, 0.25)
    band.style.borderLeft = `2px solid ${faultColor(f.faultType, 0.8)}`
    band.title = `${f.faultType} (${f.step}) on ${f.targets.join(', ') || '—'}: ${formatAxisSeconds(f.start)}..${formatAxisSeconds(end)}${f.error ? ` — ${f.error}` : ''}`
    band.dataset['start'] = String(f.start)
    band.dataset['end'] = String(end)
    faults.append(band)
    return { label: f.faultType, start: f.start, end, left: 0, right: 0 }
  })
  for (const p of report.probes) {
    const track = row(`probe ${p.name}`, `${p.type}, ${p.mode}: ${p.verdict} — ${p.message}`)
    track.classList.add('probe-track')
    for (const a of p.attempts) {
      const dot = el('div', `dot ${a.passed ? 'passed' : 'failed'}`)
      dot.style.left = pct(a.t)
      dot.title = `${formatAxisSeconds(a.t)} ${a.phase}: ${a.passed ? 'passed' : `failed — ${a.message ?? ''}`}`
      track.append(dot)
    }
    const verdict = el('span', `probe-verdict v-${p.verdict}`, p.verdict)
    track.append(verdict)
  }
  // A lane per monitor (issue 19), under the probes, on the same axis.
  monitorRows(report.monitors ?? [], row, pct)
  const axis = row('', '')
  axis.classList.add('axis')
  for (let i = 0; i <= 8; i++) {
    const tick = el('span', 'tick', formatAxisSeconds((total * i) / 8))
    tick.style.left = pct((total * i) / 8)
    axis.append(tick)
  }
  host.append(section)
  const width = rows.querySelector('.track')?.clientWidth ?? 0
  for (const b of bands) {
    b.left = (width * b.start) / total
    b.right = (width * b.end) / total
  }
  readout.charts['timeline'] = {
    kind: 'timeline',
    points:
      report.steps.filter((s) => s.start !== undefined).length +
      report.probes.reduce((n, p) => n + p.attempts.length, 0),
    bands,
    xMin: 0,
    xMax: total,
    width,
  }
}

export function el(tag: string, className: string, text?: string): HTMLElement {
  const e = document.createElement(tag)
  if (className) {
    e.className = className
  }
  if (text !== undefined) {
    e.textContent = text
  }
  return e
}
