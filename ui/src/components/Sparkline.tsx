import type { ScorePoint } from '../../../src/shared/api'
import { verdictColor } from './colors'
import { formatScore } from '../format'

/** The list's tiny score trend: a polyline over 0–100 with the last point coloured by verdict. */
export function Sparkline({
  points,
  width = 120,
  height = 28,
}: {
  points: ScorePoint[]
  width?: number
  height?: number
}) {
  const scored = points.filter((p): p is ScorePoint & { score: number } => p.score !== undefined)
  if (scored.length === 0) {
    return <span className="muted">no runs</span>
  }
  const pad = 3
  const x = (i: number) =>
    scored.length === 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (scored.length - 1)
  const y = (score: number) => pad + ((100 - score) * (height - 2 * pad)) / 100
  const line = scored.map((p, i) => `${x(i).toFixed(1)},${y(p.score).toFixed(1)}`).join(' ')
  return (
    <svg
      className="sparkline"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`scores: ${scored.map((p) => formatScore(p.score)).join(', ')}`}
    >
      <polyline points={line} fill="none" stroke="#8a94a6" strokeWidth="1.5" />
      {scored.map((p, i) => (
        <circle
          key={p.runId}
          cx={x(i)}
          cy={y(p.score)}
          r={i === scored.length - 1 ? 3 : 1.8}
          fill={verdictColor(p.verdict, p.status)}
        >
          <title>{`${formatScore(p.score)} (${p.verdict ?? p.status})`}</title>
        </circle>
      ))}
    </svg>
  )
}
