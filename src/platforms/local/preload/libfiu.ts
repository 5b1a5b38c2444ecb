/**
 * The libfiu preload (Debian `libfiu0` + `fiu-utils`), as `fiu-run -x` sets it up:
 * fiu_run_preload.so starts libfiu's remote control in every process (and again in each forked
 * child), fiu_posix_preload.so wraps the libc calls whose failure points `syscall-error`
 * enables. FIU_CTRL_FIFO is the control prefix: each process makes `<prefix>-<pid>.in/.out`
 * fifos, so we put the prefix in the replica's private control directory, where neither other
 * runs nor other users' processes can reach it.
 * @module
 */
import path from 'node:path'
import type { PreloadDriver } from './contract.js'

export const FIU_LIBRARY_DIR = '/usr/lib/fiu'
/** Reads FIU_ENABLE at start and opens the remote control fifos named by FIU_CTRL_FIFO. */
export const FIU_RUN_PRELOAD = `${FIU_LIBRARY_DIR}/fiu_run_preload.so`
/** The libc wrappers: without it no posix/... failure point exists in the process. */
export const FIU_POSIX_PRELOAD = `${FIU_LIBRARY_DIR}/fiu_posix_preload.so`
/** The variable fiu_run_preload.so reads its control prefix from (fiu-run's `-f`). */
export const FIU_CTRL_FIFO = 'FIU_CTRL_FIFO'

export const libfiuPreload: PreloadDriver = {
  name: 'libfiu',
  // fiu-run's order: the run preload first, so libfiu is initialised before any wrapper runs.
  libraries: [FIU_RUN_PRELOAD, FIU_POSIX_PRELOAD],
  packages: ['libfiu0', 'fiu-utils'],
  env: ({ controlDir }) => ({ [FIU_CTRL_FIFO]: path.join(controlDir, 'fiu') }),
}
