/**
 * Small /proc readers. A pid alone is not an identity (pids are reused), so undo entries
 * carry the process start time and act only if it still matches.
 * @module
 */
import { readFileSync } from 'node:fs'

/** Start time of `pid` in clock ticks since boot (field 22 of /proc/PID/stat), or undefined. */
export function processStartTime(pid: number): number | undefined {
  const stat = readStat(pid)
  return stat ? Number(stat.fields[19]) : undefined
}

/** Process state letter (R, S, T for stopped, Z for zombie, …), or undefined if gone. */
export function processState(pid: number): string | undefined {
  return readStat(pid)?.fields[0]
}

/** The full command line of `pid`, arguments joined by spaces. */
export function processCommandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ')
  } catch {
    return undefined
  }
}

/** True when `pid` exists, is not a zombie, and (if given) started at `startTime`. */
export function isSameProcess(pid: number, startTime?: number): boolean {
  const stat = readStat(pid)
  if (!stat || stat.fields[0] === 'Z') {
    return false
  }
  return startTime === undefined || Number(stat.fields[19]) === startTime
}

function readStat(pid: number): { fields: string[] } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    return {
      fields: text
        .slice(text.lastIndexOf(')') + 2)
        .trim()
        .split(' '),
    }
  } catch {
    return undefined
  }
}
