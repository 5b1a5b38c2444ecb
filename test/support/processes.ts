/** Independent checks that processes are gone, read from /proc rather than from ordeal. */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import type { JournalEvent } from '../../src/engine/events.js'

/** Every pid the journal says ordeal launched. */
export function launchedPids(events: JournalEvent[]): number[] {
  return events.flatMap((e) => (e.type === 'service.started' ? [e.pid] : []))
}

/** True when the pid exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

/** Process state letter from /proc (T = stopped). */
export function state(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0]
  } catch {
    return undefined
  }
}

export function assertAllGone(pids: number[]): void {
  assert.ok(pids.length > 0, 'the run launched processes')
  const left = pids.filter(alive)
  assert.deepEqual(left, [], `processes left behind: ${left.join(', ')}`)
  const members = groupMembers(pids)
  assert.deepEqual(members, [], `processes left in launched process groups: ${members.join(', ')}`)
}

/** Pids of live processes whose process group is one of `pgids` (orphaned grandchildren too). */
export function groupMembers(pgids: number[]): number[] {
  const wanted = new Set(pgids)
  const found: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue
    }
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (fields[0] !== 'Z' && wanted.has(Number(fields[2]))) {
        found.push(Number(entry))
      }
    } catch {
      // the process ended while we looked
    }
  }
  return found
}

/** Live (non-zombie) processes whose command line contains `text`, as `pid: cmdline`. */
export function processesMentioning(text: string): string[] {
  const found: string[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) {
      continue
    }
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ')
      if (cmdline.includes(text) && state(Number(entry)) !== 'Z') {
        found.push(`${entry}: ${cmdline.slice(0, 120)}`)
      }
    } catch {
      // ended while we looked
    }
  }
  return found
}
