/**
 * Observing real processes from fault tests: /proc readers and a bounded poll, so tests wait for
 * a condition instead of sleeping a fixed time.
 * @module
 */
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { isSameProcess } from '../../src/safety/proc.js'

/** Polls `condition` every `intervalMs` until it is truthy; throws naming `what` after `timeoutMs`. */
export async function waitUntil<T>(
  what: string,
  condition: () => T | Promise<T>,
  { timeoutMs = 5000, intervalMs = 20 } = {}
): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const value = await condition()
    if (value) {
      return value
    }
    if (Date.now() > end) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    }
    await sleep(intervalMs)
  }
}

/** utime + stime of `pid` in clock ticks, or undefined when it is gone. */
export function cpuTicks(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return undefined
  }
}

/**
 * Nanoseconds `pid`'s main thread spent on a CPU and waiting for one (runnable but not running),
 * from /proc/PID/schedstat; undefined when it is gone. Their sum is the CPU the thread asked for,
 * which a busy machine cannot shrink (it only moves time from "on CPU" to "waiting").
 */
export function schedNs(pid: number): { run: number; wait: number } | undefined {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number)
    return { run: run!, wait: wait! }
  } catch {
    return undefined
  }
}

/** Resident set size of `pid` in bytes (VmRSS), or undefined when it is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) * 1024 : undefined
  } catch {
    return undefined
  }
}

/** True when the process is gone (a zombie counts as gone: it runs nothing and holds nothing). */
export function isGone(pid: number, startTime?: number): boolean {
  return !isSameProcess(pid, startTime)
}
