/**
 * The report's monitor lanes (issue 19): rows of the timeline, on its axis, drawn from the lanes
 * the collector embedded (shared/monitor-lanes.ts, the run page's model): each state a labelled
 * segment, a green (accept) or red (fail) marker where the monitor stopped, and under a failed
 * lane the transition that failed, in words.
 */
import type { MonitorLane } from '../../../src/shared/monitor-lanes'
import { laneFailureText } from '../../../src/shared/monitor-lanes'
import { formatAxisSeconds } from '../format'
import { laneStateColor } from '../components/lane-colors'

/** A timeline row: its label and title in, its track out (timeline.ts's `row`). */
type Row = (label: string, title: string) => HTMLElement

export function monitorRows(lanes: readonly MonitorLane[], row: Row, pct: (s: number) => string) {
  const width = (a: number, b: number) => `calc(${pct(b)} - ${pct(a)})`
  for (const lane of lanes) {
    const failure = lane.verdict === 'fail' ? laneFailureText(lane) : undefined
    const track = row(`monitor ${lane.name}`, `monitor ${lane.name}: ${lane.states.join(', ')}`)
    track.classList.add('lane-track')
    track.dataset['monitor'] = lane.name
    track.dataset['verdict'] = lane.verdict ?? 'running'
    for (const s of lane.segments) {
      const seg = div('lane-segment', s.state)
      seg.dataset['state'] = s.state
      seg.style.left = pct(s.start)
      seg.style.width = width(s.start, s.end)
      seg.style.background = laneStateColor(lane.states, s.state)
      seg.title = `${lane.name}: ${s.state} ${formatAxisSeconds(s.start)}..${formatAxisSeconds(s.end)}`
      track.append(seg)
    }
    if (lane.verdict !== undefined && lane.endAt !== undefined) {
      const mark = div(`lane-marker ${lane.verdict}`, lane.verdict === 'fail' ? '✗' : '✓')
      mark.style.left = pct(lane.endAt)
      mark.title = failure ?? `accepted at ${formatAxisSeconds(lane.endAt)}: ${lane.reason ?? ''}`
      track.append(mark)
    }
    if (failure !== undefined) {
      const text = row('', '')
      text.className = 'lane-failure'
      text.textContent = `${lane.name} failed: ${failure}`
    }
  }
}

/** timeline.ts's `el`, not imported: timeline.ts imports this module. */
function div(className: string, text: string): HTMLElement {
  const e = document.createElement('div')
  e.className = className
  e.textContent = text
  return e
}
