/**
 * Processes a fault must never touch, whatever the selector: the run process itself, its
 * ancestors (the Chaos Center server, or the shell and terminal of `ordeal run`, up to init),
 * every ordeal watchdog and every run process of a Chaos Center. Freezing the server with a
 * `process-pause` by pid would stop the very thing that reports and rolls back the run.
 * @module
 */
import { fileURLToPath } from 'node:url'
import { processCommandLine } from './proc.js'
import { ancestors, listPids } from './proc-scan.js'

/**
 * Script paths (extension-less) of ordeal's own helper processes, found by command line.
 * Exported for the test that each still names a file (a move would silently unprotect it).
 */
export const OWN_SCRIPTS: [string, string][] = [
  [fileURLToPath(new URL('./watchdog/main', import.meta.url)), 'an ordeal watchdog'],
  [
    fileURLToPath(new URL('../platforms/local/run-process/process', import.meta.url)),
    'a Chaos Center run',
  ],
]

/** pid → why it is protected. `extra` are more of ordeal's own (this run's watchdog). */
export function protectedProcesses(extra: Record<number, string> = {}): Map<number, string> {
  const found = new Map<number, string>()
  for (const pid of listPids()) {
    const commandLine = processCommandLine(pid)
    const own = commandLine && OWN_SCRIPTS.find(([script]) => commandLine.includes(script))
    if (own) {
      found.set(pid, own[1])
    }
  }
  for (const [pid, why] of Object.entries(extra)) {
    found.set(Number(pid), why)
  }
  for (const pid of ancestors(process.pid)) {
    found.set(pid, pid === 1 ? 'init' : 'an ancestor of the run (the server, or your shell)')
  }
  found.set(process.pid, 'ordeal itself (the Chaos Center or the run)')
  return found
}

/** One line for a refused target: `pid 42 is the run process; faults never target ordeal`. */
export function protectedReason(pid: number, why: string): string {
  return `pid ${pid} is ${why}; faults never target ordeal's own processes or their ancestors`
}
