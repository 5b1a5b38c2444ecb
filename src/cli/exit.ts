/**
 * The one place ordeal ends its own process (STYLE.md §9): flush the streams, then exit.
 * @module
 */

/** Exit code for invalid manifests and usage errors (DESIGN.md "Contracts"). */
export const EXIT_USAGE = 2

export async function exit(code: number): Promise<never> {
  await Promise.all([flush(process.stdout), flush(process.stderr)])
  process.exit(code)
}

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    // A stream whose reader went away never drains: nothing is left to flush.
    if (!stream.writableNeedDrain || stream.destroyed) {
      resolve()
      return
    }
    stream.once('drain', resolve)
    stream.once('close', resolve)
  })
}

/**
 * `ordeal schema | head -1`: when the reader of stdout or stderr goes away, later output is
 * dropped quietly, as Unix tools do, instead of an unhandled EPIPE stack trace. The command
 * itself carries on, so a run still rolls its faults back and exits with its own code.
 */
export function dropOutputOnBrokenPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') {
        throw error
      }
    })
  }
}

/** A usage problem that should print one line and exit 2. */
export class UsageError extends Error {
  readonly code = 'ORDEAL_USAGE'
}
