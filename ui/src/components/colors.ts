import type { RunStatus, Verdict } from '../../../src/shared/api'

/** One palette for badges, sparklines and chart points (kept in step with styles.css). */
export const VERDICT_COLORS: Record<Verdict | 'running', string> = {
  pass: '#1e8e3e',
  fail: '#d93025',
  error: '#e8710a',
  interrupted: '#80868b',
  running: '#1a73e8',
}

export function verdictColor(verdict: Verdict | undefined, status?: RunStatus): string {
  if (status === 'running') {
    return VERDICT_COLORS.running
  }
  return VERDICT_COLORS[verdict ?? 'interrupted']
}

/** Translucent band colours for fault windows, by fault family, so kinds are told apart. */
export function faultColor(faultType: string, alpha: number): string {
  const hue =
    faultType.startsWith('network') || faultType.startsWith('proxy') || faultType.includes('port')
      ? 270
      : faultType.startsWith('process')
        ? 0
        : faultType.includes('http')
          ? 30
          : 200
  return `hsla(${hue}, 75%, 55%, ${alpha})`
}
