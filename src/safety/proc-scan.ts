/**
 * Whole-system /proc scans (proc.ts reads one process): every pid, a process's parent and group,
 * and whether a process group still has a live member.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs'

export interface StatSummary {
  /** R, S, D, T, Z (zombie), … */
  state: string
  ppid: number
  pgrp: number
}

/** Every process id currently in /proc (threads excluded). */
export function listPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
}

/** State, parent and process group of `pid`, or undefined when it is gone. */
export function statSummary(pid: number): StatSummary | undefined {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return { state: fields[0] ?? '?', ppid: Number(fields[1]), pgrp: Number(fields[2]) }
}

/** `pid`'s parent, grandparent, … up to (excluding) pid 0. */
export function ancestors(pid: number): number[] {
  const chain: number[] = []
  let current = statSummary(pid)?.ppid
  while (current !== undefined && current > 0 && !chain.includes(current)) {
    chain.push(current)
    current = statSummary(current)?.ppid
  }
  return chain
}

/**
 * True while the process group `pgid` has a member that is not a zombie.
 *
 * `kill(-pgid, 0)` alone is not enough: an orphaned grandchild that died is reparented to pid 1,
 * and some inits (this project's VM, containers without tini) reap orphans late or never, so a
 * dead group can answer `kill -0` for seconds after its last process ended.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
  } catch (error) {
    // EPERM: the group exists but belongs to someone else; still alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  return listPids().some((pid) => {
    const stat = statSummary(pid)
    return stat !== undefined && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X'
  })
}
