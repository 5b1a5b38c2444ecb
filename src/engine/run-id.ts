/**
 * Run ids become file names (ledgers, run dirs, an agent's journal): one someone else assigned
 * (a Chaos Center placing a run on an agent) must match this before it is used.
 * @module
 */
import { randomBytes } from 'node:crypto'
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

/** A new run's id: `<experiment>-<UTC stamp>-<6 hex>` (the engine, the Chaos Center and its agents alike). */
export function newRunId(experimentName: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')
  return `${experimentName}-${stamp}-${randomBytes(3).toString('hex')}`
}
