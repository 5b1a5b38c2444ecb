/**
 * libfaketime (Debian `libfaketime`): the replica's clock is what its timestamp file says,
 * read again every second or two, so the clock-skew fault moves it at run time by rewriting
 * that file ("+0 x1" when no fault is active: the real time).
 *
 * Choices, measured on this machine (Node's Date.now(), 200k calls):
 * - FAKETIME_CACHE_DURATION=1, not FAKETIME_NO_CACHE: without the cache every time call opens
 *   and reads the file (17.6 µs a call instead of 0.21 µs bare); with a 1 s cache it costs
 *   0.45 µs, and a change shows within two seconds (libfaketime compares whole seconds), which is the
 *   fault's stated precision.
 * - DONT_FAKE_MONOTONIC=1: only the wall clock (CLOCK_REALTIME, time(2), gettimeofday) moves.
 *   Real skew (an NTP step, a VM restored from a snapshot, a drifting oscillator corrected
 *   late) is a wall-clock affair, and TTL, lease and certificate bugs read the wall clock.
 *   A monotonic clock that jumps back breaks the one promise it makes: runtimes (libuv timers,
 *   the JVM, Go's scheduler) spin or hang on it, which is a bug of the fault, not of the
 *   service. With it unfaked, a drift also makes the wall clock run apart from the service's
 *   own timers, as a drifting clock does.
 * @module
 */
import { closeSync, constants, fchmodSync, openSync, writeSync } from 'node:fs'
import path from 'node:path'
import type { PreloadDriver, PreloadReplica } from './contract.js'

/** The Debian path (multiarch amd64); the preflight names the package when it is missing. */
export const LIBFAKETIME_SO = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1'

/** The variable through which a fault finds a target's timestamp file (environ.ts). */
export const FAKETIME_FILE_VAR = 'FAKETIME_TIMESTAMP_FILE'

/**
 * What the timestamp file holds when no fault is active: no offset, real speed. The `x1` is
 * needed: a line without a rate leaves the last one read (a drift's) in force.
 */
export const FAKETIME_NEUTRAL = '+0 x1'

/** How long libfaketime caches the file: a write is seen within this. */
export const FAKETIME_CACHE_SECONDS = 1

/** The timestamp file's name in a replica's control dir. */
export const FAKETIME_FILE_NAME = 'faketime.rc'

export function faketimeFile(replica: PreloadReplica): string {
  return path.join(replica.controlDir, FAKETIME_FILE_NAME)
}

export const libfaketimePreload: PreloadDriver = {
  name: 'libfaketime',
  libraries: [LIBFAKETIME_SO],
  packages: ['libfaketime'],
  env: (replica) => ({
    [FAKETIME_FILE_VAR]: faketimeFile(replica),
    FAKETIME_CACHE_DURATION: String(FAKETIME_CACHE_SECONDS),
    DONT_FAKE_MONOTONIC: '1',
  }),
  setup(replica) {
    // Ordeal's own file (0644: the service reads it), made new: the control dir is fresh, so
    // anything already there was not made by ordeal and is refused (O_EXCL, no symlink).
    const fd = openSync(
      faketimeFile(replica),
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o644
    )
    try {
      fchmodSync(fd, 0o644) // whatever ordeal's umask
      writeSync(fd, `${FAKETIME_NEUTRAL}\n`)
    } finally {
      closeSync(fd)
    }
  },
}
