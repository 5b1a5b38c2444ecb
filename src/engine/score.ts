/**
 * Litmus's resilience score (DESIGN.md "Contracts"): per scored step 100 when every probe
 * passed, else floor(passed × 100 / total); the run score is the weighted mean, truncated to
 * two decimals and clamped to 0..100 (litmus#3573 reported scores above 100).
 * @module
 */

export interface StepScoreInput {
  weight: number
  /** False when the step never ran, or its fault could not be injected: it scores 0. */
  ran: boolean
  probesTotal: number
  probesPassed: number
}

export function stepScore(step: StepScoreInput): number {
  if (!step.ran) {
    return 0
  }
  if (step.probesTotal === 0 || step.probesPassed >= step.probesTotal) {
    return 100
  }
  return Math.floor((step.probesPassed * 100) / step.probesTotal)
}

/** The weighted mean of step scores; `fallback` when no step carries weight. */
export function runScore(steps: StepScoreInput[], fallback: number): number {
  const weightSum = steps.reduce((sum, s) => sum + s.weight, 0)
  if (weightSum === 0) {
    return fallback
  }
  const total = steps.reduce((sum, s) => sum + s.weight * stepScore(s), 0)
  const score = Math.floor((total / weightSum) * 100) / 100
  return Math.min(100, Math.max(0, score))
}
