/**
 * One line per workload recovery, the same in the terminal, JUnit and the UI:
 * `deployment/orders recovered in 4.2 s`, `deployment/orders NOT recovered: <why>`,
 * `deployment/orders recovery could not be measured: <API error>`.
 * Pure (bundled into the UI).
 * @module
 */
import type { RecoveryResult } from './result.js'
import { formatMs } from './units.js'

export function recoveryText(recovery: RecoveryResult): string {
  if (recovery.recovered) {
    const time = recovery.ms === undefined ? '' : ` in ${formatMs(recovery.ms)}`
    return `${recovery.workload} recovered${time}`
  }
  if (recovery.error !== undefined) {
    return `${recovery.workload} recovery could not be measured: ${recovery.error}`
  }
  return `${recovery.workload} NOT recovered${recovery.reason ? `: ${recovery.reason}` : ''}`
}
