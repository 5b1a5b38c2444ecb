/**
 * A monitor state's colour on its lane (run page and HTML report alike): by the state's place in
 * the monitor's planned states, so one state keeps its colour along the lane and across runs.
 * Hues avoid the verdict marker's green and red, which say accept and fail.
 */
const HUES = [210, 45, 280, 175, 320, 95, 250, 20]

export function laneStateColor(states: readonly string[], state: string, alpha = 0.35): string {
  const i = states.indexOf(state)
  const hue = i < 0 ? 0 : HUES[i % HUES.length]!
  return i < 0 ? `hsla(0, 0%, 60%, ${alpha})` : `hsla(${hue}, 65%, 55%, ${alpha})`
}
