/**
 * How many bytes disk-fill writes: pure arithmetic over the filesystem's space, kept apart from
 * the I/O so the percent and cap rules are testable without filling a real disk.
 * @module
 */
import { formatSize } from '../size.js'

/** Never leave less than this free: the system under test (and ordeal's journal) must still write. */
export const KEEP_FREE_BYTES = 64 * 1024 ** 2

/** Space as `df` sees it: `used` by anyone, `avail` to unprivileged users (root's reserve excluded). */
export interface FsSpace {
  used: number
  avail: number
}

export interface FillPlan {
  bytes: number
  /** Why fewer bytes than asked are written, for the journal. */
  notes: string[]
}

/** `df`'s Use%: used / (used + avail), so root's reserved blocks count as neither. */
export function usedPercent(space: FsSpace): number {
  const usable = space.used + space.avail
  return usable === 0 ? 100 : (space.used / usable) * 100
}

/**
 * Bytes to write for `want`: a fixed size, or enough that the filesystem reaches `percent` used
 * (nothing when it already is), capped so that at least {@link KEEP_FREE_BYTES} stay free.
 */
export function planFill(space: FsSpace, want: { bytes: number } | { percent: number }): FillPlan {
  const notes: string[] = []
  let bytes: number
  if ('bytes' in want) {
    bytes = want.bytes
  } else {
    const now = usedPercent(space)
    // Writing x moves x from avail to used, so used + avail stays constant.
    bytes = Math.ceil((want.percent / 100) * (space.used + space.avail) - space.used)
    if (bytes <= 0) {
      notes.push(
        `filesystem already ${now.toFixed(1)}% used (target ${want.percent}%): nothing written`
      )
      return { bytes: 0, notes }
    }
  }
  const max = Math.max(0, space.avail - KEEP_FREE_BYTES)
  if (bytes > max) {
    notes.push(
      `capped at ${formatSize(max)} instead of ${formatSize(bytes)} to leave ${formatSize(KEEP_FREE_BYTES)} free`
    )
    bytes = max
  }
  return { bytes, notes }
}
