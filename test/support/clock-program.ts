/**
 * A target whose clock a test reads from the program itself: examples/deeper-faults/
 * clock-server.mjs, launched under libfaketime through the harness (the real launch hook),
 * writes its Date.now() and performance.now() to a file every 100 ms. The skew is that value minus the test's own
 * clock (the test process is not under the preload).
 * @module
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FaultHarness, SpawnedTarget } from './fault-context.js'
import { waitUntil } from './fault-proc.js'

export const CLOCK_PROGRAM = fileURLToPath(
  new URL('../../examples/deeper-faults/clock-server.mjs', import.meta.url)
)

export interface ClockTarget extends SpawnedTarget {
  clockFile: string
  /** The test's clock just before the spawn. */
  spawnedAt: number
}

/** A replica of `service` under `preload: [libfaketime]` whose clock file is being written. */
export async function spawnClockTarget(
  h: FaultHarness,
  options: { service?: string; preload?: boolean } = {}
): Promise<ClockTarget> {
  const clockFile = path.join(h.baseDir, `clock-${Date.now().toString(36)}-${Math.random()}`)
  const spawnedAt = Date.now()
  const target = await h.spawnTarget({
    service: options.service ?? 'api',
    program: CLOCK_PROGRAM,
    env: { CLOCK_FILE: clockFile },
    ...(options.preload === false ? {} : { preload: ['libfaketime'] }),
  })
  await waitUntil('the clock program to write its time', () => programNow(clockFile))
  return Object.assign(target, { clockFile, spawnedAt })
}

/**
 * The program's last written pair: its Date.now() (`wall`, faked) and its performance.now()
 * (`mono`, never faked), read at one instant; undefined before its first write.
 */
export function programSample(clockFile: string): { wall: number; mono: number } | undefined {
  try {
    const [wall, mono] = readFileSync(clockFile, 'utf8').trim().split(' ').map(Number)
    return wall !== undefined && mono !== undefined && wall > 0 && mono >= 0
      ? { wall, mono }
      : undefined
  } catch {
    return undefined
  }
}

/** The program's last written Date.now(), or undefined before its first write. */
export function programNow(clockFile: string): number | undefined {
  return programSample(clockFile)?.wall
}

/** The program's clock minus the real time (ms); it writes every 100 ms, so ±100 ms of staleness. */
export function programSkewMs(clockFile: string): number {
  return (programNow(clockFile) ?? Number.NaN) - Date.now()
}

/**
 * Waits until the program's skew is `expectedMs` within `toleranceMs` (1 s: libfaketime reads
 * its file every second or two, so the value may lag, not be off), within `timeoutMs`.
 */
export async function waitForSkew(
  target: ClockTarget,
  expectedMs: number,
  { toleranceMs = 1000, timeoutMs = 5000 } = {}
): Promise<number> {
  let last = Number.NaN
  try {
    const seen = await waitUntil(
      `skew ${expectedMs} ms`,
      () => {
        last = programSkewMs(target.clockFile)
        return Math.abs(last - expectedMs) <= toleranceMs ? { skew: last } : undefined
      },
      { timeoutMs }
    )
    return seen.skew
  } catch (error) {
    throw new Error(`${(error as Error).message}; the program's last skew was ${last} ms`, {
      cause: error,
    })
  }
}
