/**
 * Reading /proc/self/mountinfo (proc(5)) to find one of ordeal's own FUSE mounts: a disk-fault
 * mount is named `ordeal-disk-<runId>-<n>` (its source field), and its undo unmounts a
 * directory only while that name is the mount on top there. Never another run's mount, nor
 * the user's, nor one stacked over ours later (umount would take the top one).
 * @module
 */
import { readFileSync } from 'node:fs'

export interface MountEntry {
  id: number
  parent: number
  /** The mount point, unescaped. */
  mountPoint: string
  fstype: string
  source: string
}

/** `\040` (space), `\011` (tab), `\012` (newline), `\134` (backslash) as the kernel escapes them. */
export function unescapeMountField(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_all, octal: string) =>
    String.fromCharCode(parseInt(octal, 8))
  )
}

/** The kernel's escaping of a path in mountinfo, for tests and comparisons. */
export function escapeMountField(text: string): string {
  return text.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`)
}

/**
 * One entry per line: `id parent major:minor root mountPoint options [optional...] - fstype
 * source superOptions`. A line that does not parse is skipped.
 */
export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = []
  for (const line of text.split('\n')) {
    const fields = line.split(' ')
    const dash = fields.indexOf('-', 6)
    if (fields.length < 10 || dash < 0 || fields.length < dash + 3) {
      continue
    }
    entries.push({
      id: Number(fields[0]),
      parent: Number(fields[1]),
      mountPoint: unescapeMountField(fields[4]!),
      fstype: fields[dash + 1]!,
      source: unescapeMountField(fields[dash + 2]!),
    })
  }
  return entries
}

/**
 * Where the mount named `source` stands at `dir`: `absent` (never mounted, or already gone),
 * `top` (it is what `dir` shows: unmounting `dir` unmounts it), or `covered` (another mount was
 * stacked over it: unmounting `dir` would take that one instead).
 */
export function ownMountAt(
  entries: readonly MountEntry[],
  dir: string,
  source: string
): 'absent' | 'top' | 'covered' {
  const own = entries.filter((e) => e.mountPoint === dir && e.source === source)
  if (own.length === 0) {
    return 'absent'
  }
  const ids = new Set(own.map((e) => e.id))
  const covered = entries.some((e) => e.mountPoint === dir && ids.has(e.parent))
  return covered ? 'covered' : 'top'
}

/** This process's view of the mounts (the watchdog shares the runner's mount namespace). */
export function readMountInfo(): MountEntry[] {
  try {
    return parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8'))
  } catch {
    return []
  }
}
