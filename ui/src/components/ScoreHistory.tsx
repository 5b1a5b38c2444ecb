/**
 * An experiment's resilience score over time: one point per ended run, coloured by verdict,
 * joined by a grey line, on a real time axis, with a dashed marker where the experiment's
 * version changes (so a drop lines up with the edit that caused it). SVG, because a few hundred
 * points need no canvas.
 */
import { useEffect, useRef, useState } from 'react'
import { useNavigate } from 'react-router'
import type { RunSummary } from '../../../src/shared/api'
import { formatScore, formatTime } from '../format'
import { verdictColor } from './colors'

const H = 180
const PAD = { left: 36, right: 12, top: 10, bottom: 24 }

export function ScoreHistory({ runs }: { runs: RunSummary[] }) {
  const navigate = useNavigate()
  // Drawn at the container's real width, so text and points keep their size.
  const box = useRef<HTMLDivElement>(null)
  const [W, setW] = useState(720)
  useEffect(() => {
    const el = box.current!
    const observer = new ResizeObserver(() => setW(Math.max(200, el.clientWidth - 16)))
    observer.observe(el)
    return () => observer.disconnect()
  }, [])
  const points = runs
    .filter((r): r is RunSummary & { score: number } => r.score !== undefined)
    .map((r) => ({ run: r, t: Date.parse(r.startedAt), score: r.score }))
    .sort((a, b) => a.t - b.t)
  const t0 = points[0]?.t ?? 0
  const t1 = points[points.length - 1]?.t ?? 1
  const span = Math.max(t1 - t0, 1)
  const single = points.length === 1
  const x = (t: number) =>
    single
      ? (PAD.left + W - PAD.right) / 2
      : PAD.left + ((t - t0) / span) * (W - PAD.left - PAD.right)
  const y = (s: number) => PAD.top + ((100 - s) / 100) * (H - PAD.top - PAD.bottom)
  const ticks = single ? [t0] : timeTicks(t0, t1, Math.max(2, Math.floor(W / 190)), formatTime)
  const markers = versionMarkers(points)

  return (
    <div className="history-chart" data-testid="history-chart" ref={box}>
      {points.length === 0 ? (
        <div className="muted empty">No scored runs yet.</div>
      ) : (
        <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label="score history">
          {[0, 25, 50, 75, 100].map((s) => (
            <g key={s}>
              <line x1={PAD.left} x2={W - PAD.right} y1={y(s)} y2={y(s)} className="grid" />
              <text x={PAD.left - 6} y={y(s) + 4} className="axis" textAnchor="end">
                {s}
              </text>
            </g>
          ))}
          {ticks.map((t, i) => (
            <g key={t} data-testid="history-tick">
              <line
                x1={x(t)}
                x2={x(t)}
                y1={H - PAD.bottom}
                y2={H - PAD.bottom + 4}
                className="tick"
              />
              <text
                x={x(t)}
                y={H - 6}
                className="axis"
                textAnchor={
                  single ? 'middle' : i === 0 ? 'start' : i === ticks.length - 1 ? 'end' : 'middle'
                }
              >
                {formatTime(t)}
              </text>
            </g>
          ))}
          {markers.map((m) => (
            <g key={m.version} data-testid="version-marker" data-version={m.version}>
              <line
                x1={x(m.t)}
                x2={x(m.t)}
                y1={PAD.top}
                y2={H - PAD.bottom}
                className="version-line"
              />
              <text
                x={x(m.t) > W - PAD.right - 30 ? x(m.t) - 3 : x(m.t) + 3}
                y={PAD.top + 10}
                className="axis version-label"
                textAnchor={x(m.t) > W - PAD.right - 30 ? 'end' : 'start'}
              >
                v{m.version}
              </text>
              <title>{`v${m.version}: first run ${formatTime(m.t)}`}</title>
            </g>
          ))}
          <polyline
            points={points.map((p) => `${x(p.t).toFixed(1)},${y(p.score).toFixed(1)}`).join(' ')}
            fill="none"
            stroke="#b0b7c3"
            strokeWidth="1.5"
          />
          {points.map((p) => (
            <circle
              key={p.run.id}
              cx={x(p.t)}
              cy={y(p.score)}
              r={4.5}
              fill={verdictColor(p.run.verdict, p.run.status)}
              className="point"
              data-testid="history-point"
              data-score={formatScore(p.score)}
              onClick={() => void navigate(`/runs/${p.run.id}`)}
            >
              <title>{`${formatTime(p.run.startedAt)} — v${p.run.experimentVersion}, ${p.run.verdict ?? p.run.status}, score ${formatScore(p.score)}`}</title>
            </circle>
          ))}
        </svg>
      )}
    </div>
  )
}

/**
 * Up to `n` evenly spaced instants from `t0` to `t1` inclusive (a real time axis, not two
 * labels), without two that read the same (runs within one second).
 */
export function timeTicks(
  t0: number,
  t1: number,
  n: number,
  label: (t: number) => string
): number[] {
  const all = Array.from({ length: n }, (_, i) => Math.round(t0 + ((t1 - t0) * i) / (n - 1)))
  return all.filter((t, i) => i === 0 || label(t) !== label(all[i - 1]!))
}

/** Where the version changes along the history: the first scored run of each version. */
function versionMarkers(
  points: { run: RunSummary; t: number }[]
): { version: number; t: number }[] {
  const markers: { version: number; t: number }[] = []
  for (const p of points) {
    if (markers.at(-1)?.version !== p.run.experimentVersion) {
      markers.push({ version: p.run.experimentVersion, t: p.t })
    }
  }
  return markers
}
