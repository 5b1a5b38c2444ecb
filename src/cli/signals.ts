/**
 * Ctrl+C handling shared by every command that runs experiments.
 * @module
 */
import type { RunHandle } from '../engine/runner.js'
import { exit } from './exit.js'

/**
 * First Ctrl+C (or SIGTERM): abort, which reverts faults and tears the system down. A second
 * one undoes what the ledger lists and exits at once (safety invariant 4). npm forwards a
 * second SIGINT of its own right after the first, so repeats within 1 s are ignored, as
 * Playwright's sigIntWatcher does.
 */
export function installSignalHandlers(run: Pick<RunHandle, 'abort' | 'undoNow'>): () => void {
  let first = 0
  const onSignal = (signal: NodeJS.Signals) => {
    const now = Date.now()
    if (first === 0) {
      first = now
      process.stderr.write(
        `\n${signal}: rolling back faults and stopping the system (again to force)\n`
      )
      run.abort('signal', `interrupted by ${signal}`)
      return
    }
    if (now - first < 1000) {
      return
    }
    process.stderr.write(`${signal} again: undoing the ledger and exiting now\n`)
    void run.undoNow().finally(() => exit(130))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.on('SIGHUP', onSignal)
  return () => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    process.off('SIGHUP', onSignal)
  }
}
