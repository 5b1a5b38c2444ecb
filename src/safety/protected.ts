/**
 * Processes a fault must never touch, whatever the selector: the run process itself, its
 * ancestors (the Chaos Center server, or the shell and terminal of `ordeal run`, up to init),
 * every ordeal watchdog, every run process of a Chaos Center, and every `ordeal server` and
 * `ordeal agent` on the host (a run placed on an agent must not pause the Chaos Center beside
 * it, nor another agent). Freezing the server with a
 * `process-pause` by pid would stop the very thing that reports and rolls back the run.
 * @module
 */
import { readFileSync, readlinkSync, realpathSync } from 'node:fs'
import path from 'node:path'
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

/** ordeal's CLI entry point (extension-less), for `ordeal server` and `ordeal agent`. */
export const CLI_MAIN = fileURLToPath(new URL('../cli/main', import.meta.url))
const kLongRunning: Record<string, string> = {
  server: 'a Chaos Center server',
  agent: 'an ordeal agent',
}

/**
 * `ordeal server` / `ordeal agent`, however started (`npx ordeal`, a bin symlink, `node
 * dist/cli/main.js` from some cwd): argv[1] resolved against the process's cwd and through
 * symlinks is the CLI's main script, and the first argument after it is the subcommand.
 */
function ordealCommand(pid: number): string | undefined {
  let argv: string[]
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
  } catch {
    return undefined
  }
  const [script, command] = [argv[1], argv[2]]
  if (!script || !command || !(command in kLongRunning)) {
    return undefined
  }
  try {
    const cwd = readlinkSync(`/proc/${pid}/cwd`)
    const real = realpathSync(path.resolve(cwd, script))
    return real.slice(0, real.length - path.extname(real).length) === CLI_MAIN
      ? kLongRunning[command]
      : undefined
  } catch {
    return undefined // gone, or not ours to read
  }
}

/** pid → why it is protected. `extra` are more of ordeal's own (this run's watchdog). */
export function protectedProcesses(extra: Record<number, string> = {}): Map<number, string> {
  const found = new Map<number, string>()
  for (const pid of listPids()) {
    const commandLine = processCommandLine(pid)
    const own = commandLine && OWN_SCRIPTS.find(([script]) => commandLine.includes(script))
    if (own) {
      found.set(pid, own[1])
      continue
    }
    const command = commandLine ? ordealCommand(pid) : undefined
    if (command) {
      found.set(pid, command)
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
