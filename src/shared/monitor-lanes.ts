/**
 * A monitor's lane on the run's timeline (issue 19): the states it went through as segments on
 * the timeline's x axis (seconds since the run started), and where and how it stopped. Pure and
 * shared: the run page draws it live from the run view, the HTML report embeds it (collect.ts),
 * so both say the same thing. No Node APIs.
 * @module
 */
import { describeTransition } from '../monitors/text.js'
import type { MonitorView } from './run-view.js'

export interface LaneSegment {
  state: string
  /** Seconds since the run started. */
  start: number
  end: number
  /** Still in this state: a live lane grows it with the clock. */
  open: boolean
}

export interface MonitorLane {
  name: string
  /** Its planned states (those it visited, when the plan did not say): what colours a state. */
  states: string[]
  segments: LaneSegment[]
  /** Absent while the monitor runs (or when the journal ended before it stopped). */
  verdict?: 'accept' | 'fail'
  /** Where the verdict's marker sits, seconds since the run started. */
  endAt?: number
  reason?: string
  /** The deciding transition in words (`down → fail on timeout at +3.0 s`), a part's named. */
  transition?: string
}

export interface LaneTimes {
  /** The run's start, ms epoch: the x axis's zero. */
  origin: number
  /** When the monitors started (`system.ready`), ms epoch; the first transition if unknown. */
  since?: number
  /** Where an open segment ends: now for a live run, the run's end for an ended one. */
  until: number
}

/**
 * The lane of one monitor. Its own transitions (`transition.monitor === name`) cut the
 * segments; a composite's own are only its stop (its parts' states read `a=up b=down`), so a
 * composite's lane is one `running` segment and the part that decided is named in `transition`.
 */
export function monitorLane(m: MonitorView, times: LaneTimes): MonitorLane {
  const rel = (ms: number) => round3((ms - times.origin) / 1000)
  const own = m.transitions.filter((t) => t.monitor === m.name)
  const segments: LaneSegment[] = []
  let state = own[0]?.from ?? m.initial ?? 'running'
  let start = times.since ?? own[0]?.at ?? m.decidedBy?.at ?? times.until
  let stoppedAt: number | undefined
  let stop: 'accept' | 'fail' | undefined
  for (const t of own) {
    if (stoppedAt !== undefined) {
      break
    }
    // A transition never goes back in time on the lane (clocks are one process's, but a
    // hand-made or merged journal could disagree by a millisecond).
    const at = Math.max(t.at, start)
    segments.push({ state, start: rel(start), end: rel(at), open: false })
    if (t.to === 'accept' || t.to === 'fail') {
      stoppedAt = at
      stop = t.to
    } else {
      state = t.to
      start = at
    }
  }
  if (stoppedAt === undefined) {
    // A composite stops without an own transition only through monitor.ended's part transition.
    const end = m.verdict !== undefined && m.decidedBy ? Math.max(m.decidedBy.at, start) : undefined
    segments.push({
      state,
      start: rel(start),
      end: rel(Math.max(end ?? times.until, start)),
      open: end === undefined,
    })
    stoppedAt = end
  }
  const states = m.states.length > 0 ? m.states : [...new Set(segments.map((s) => s.state))]
  const lane: MonitorLane = { name: m.name, states, segments }
  // The stop transition says the verdict before monitor.ended arrives (the next live message).
  const verdict = m.verdict ?? stop
  if (verdict !== undefined) {
    lane.verdict = verdict
    lane.endAt = rel(stoppedAt ?? start)
    if (m.reason !== undefined) {
      lane.reason = m.reason
    }
    if (m.decidedBy) {
      const how = describeTransition(m.decidedBy, times.origin)
      lane.transition = m.decidedBy.monitor === m.name ? how : `${m.decidedBy.monitor}: ${how}`
    }
  }
  return lane
}

/** Every monitor's lane, in the order the run declared them. */
export function monitorLanes(monitors: readonly MonitorView[], times: LaneTimes): MonitorLane[] {
  return monitors.map((m) => monitorLane(m, times))
}

/** The line written under a failed lane (and its marker's title). */
export function laneFailureText(lane: MonitorLane): string {
  const why = lane.reason ?? 'failed'
  return lane.transition === undefined ? why : `${why} — ${lane.transition}`
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000
}
