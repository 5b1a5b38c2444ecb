/**
 * An experiment's resilience score over time: one point per ended run, coloured by verdict,
 * joined by a grey line. SVG, because a few hundred points need no canvas.
 */
import { useEffect, useRef, useState } from 'react'
import { useNavigate } from 'react-router'
import type { RunSummary } from '../../../src/shared/api'
import { formatTime } from '../format'
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
  const x = (t: number) =>
    points.length === 1
      ? (PAD.left + W - PAD.right) / 2
      : PAD.left + ((t - t0) / span) * (W - PAD.left - PAD.right)
  const y = (s: number) => PAD.top + ((100 - s) / 100) * (H - PAD.top - PAD.bottom)

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
          <text x={PAD.left} y={H - 6} className="axis">
            {formatTime(t0)}
          </text>
          {points.length > 1 && (
            <text x={W - PAD.right} y={H - 6} className="axis" textAnchor="end">
              {formatTime(t1)}
            </text>
          )}
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
              onClick={() => navigate(`/runs/${p.run.id}`)}
            >
              <title>{`${formatTime(p.run.startedAt)} — ${p.run.verdict ?? p.run.status}, score ${Math.round(p.score)}`}</title>
            </circle>
          ))}
        </svg>
      )}
    </div>
  )
}
