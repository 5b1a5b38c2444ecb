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
  return new Promise((resolve) =>
    stream.writableNeedDrain ? stream.once('drain', resolve) : resolve()
  )
}

/** A usage problem that should print one line and exit 2. */
export class UsageError extends Error {
  readonly code = 'ORDEAL_USAGE'
}
