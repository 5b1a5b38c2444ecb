import type { Log } from './log.js'

/**
 * Runs `cleanup` once on SIGTERM or SIGINT (ordeal's teardown sends SIGTERM), then exits.
 * A second signal exits at once.
 */
export function onShutdown(log: Log, cleanup: () => Promise<void>): void {
  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.exit(1)
    }
    stopping = true
    log(`${signal}: shutting down`)
    cleanup().then(
      () => process.exit(0),
      (error: unknown) => {
        log(`shutdown failed: ${String(error)}`)
        process.exit(1)
      }
    )
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

/** For entry points: report a startup failure and exit non-zero (the supervisor restarts it). */
export function exitOnError(log: Log): (error: unknown) => never {
  return (error) => {
    log(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    process.exit(1)
  }
}
