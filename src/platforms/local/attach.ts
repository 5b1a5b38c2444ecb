/**
 * Processes ordeal did not start but may act on: found by pid, by a regular expression over the
 * command line, or by the TCP port they listen on. Resolved when a fault needs them, so a
 * process that restarted since the last step is found again under its new pid.
 * @module
 */
import type { AttachSpec } from '../../experiment/model.js'
import { isSameProcess, processCommandLine, processStartTime } from '../../safety/proc.js'
import { listeningInodes, pidsHoldingSockets } from './proc-net.js'
import { listPids } from '../../safety/proc-scan.js'
import { protectedProcesses, protectedReason } from '../../safety/protected.js'
import type { ProcessTarget } from './targets.js'

/**
 * The processes `spec` names, as fault targets (not group leaders: ordeal did not create their
 * groups, so it never signals a group it does not own). Labels are the attach name, with `#n`
 * (0-based, by pid) when several match. Throws when nothing matches, and when a `pid` or `port`
 * names one of ordeal's own processes (see `protected.ts`); a `match` skips those, and throws
 * when only those matched.
 * @param guarded more protected processes (this run's watchdog), pid → what it is
 */
export async function resolveAttach(
  spec: AttachSpec,
  guarded: Record<number, string> = {}
): Promise<ProcessTarget[]> {
  const guard = protectedProcesses(guarded)
  let pids: number[]
  try {
    pids = await findPids(spec, guard)
  } catch (error) {
    throw new Error(`attach '${spec.name}': ${(error as Error).message}`, { cause: error })
  }
  if (pids.length === 0) {
    throw new Error(`attach '${spec.name}': ${noMatch(spec)}`)
  }
  return pids.map((pid, n) => {
    const startTime = processStartTime(pid)
    return {
      label: pids.length > 1 ? `${spec.name}#${n}` : spec.name,
      pid,
      ...(startTime !== undefined ? { startTime } : {}),
      groupLeader: false,
    }
  })
}

/** For dry runs: what `spec` matches right now, one entry per process; reads /proc only. */
export async function describeAttach(spec: AttachSpec): Promise<string[]> {
  let pids: number[]
  try {
    pids = await findPids(spec, protectedProcesses())
  } catch (error) {
    return [(error as Error).message]
  }
  if (pids.length === 0) {
    return [`${noMatch(spec)} (yet)`]
  }
  return pids.map((pid) => `pid ${pid} (${processCommandLine(pid) ?? '?'})`)
}

async function findPids(spec: AttachSpec, guard: Map<number, string>): Promise<number[]> {
  let pids: number[]
  if (spec.pid !== undefined) {
    pids = isSameProcess(spec.pid) ? [spec.pid] : []
  } else if (spec.match !== undefined) {
    const all = matchCommandLines(compile(spec.match))
    pids = all.filter((pid) => !guard.has(pid))
    // ordeal's own command line (and its shell's, npx's, …) may contain the pattern itself:
    // those are skipped; a pattern that finds nothing else is refused, naming what it found.
    const first = all.find((pid) => guard.has(pid))
    if (pids.length === 0 && first !== undefined) {
      throw new Error(`match /${spec.match}/: ${protectedReason(first, guard.get(first)!)}`)
    }
    return pids
  } else if (spec.port !== undefined) {
    const inodes = await listeningInodes(spec.port)
    pids = (await pidsHoldingSockets(inodes)).sort((a, b) => a - b)
    // The socket is listed in /proc/net/tcp* for everyone, but only its owner (or root) can
    // read the /proc/PID/fd that names it: say so, rather than that nothing listens.
    if (pids.length === 0 && inodes.size > 0) {
      throw new Error(
        `TCP port ${spec.port} is held by a process this user cannot inspect (run as root or as its owner)`
      )
    }
  } else {
    throw new Error('needs one of pid, match or port')
  }
  const refused = pids.find((pid) => guard.has(pid))
  if (refused !== undefined) {
    const selector = spec.pid !== undefined ? `pid ${spec.pid}` : `port ${spec.port}`
    throw new Error(`${selector}: ${protectedReason(refused, guard.get(refused)!)}`)
  }
  return pids
}

function matchCommandLines(pattern: RegExp): number[] {
  return listPids()
    .filter((pid) => {
      const commandLine = processCommandLine(pid)
      // Kernel threads have an empty command line; zombies are not worth attaching to.
      return (
        commandLine !== undefined &&
        commandLine !== '' &&
        isSameProcess(pid) &&
        pattern.test(commandLine)
      )
    })
    .sort((a, b) => a - b)
}

function compile(source: string): RegExp {
  try {
    return new RegExp(source)
  } catch (error) {
    throw new Error(
      `match '${source}' is not a valid regular expression: ${(error as Error).message}`,
      {
        cause: error,
      }
    )
  }
}

function noMatch(spec: AttachSpec): string {
  if (spec.pid !== undefined) {
    return `no process with pid ${spec.pid}`
  }
  if (spec.match !== undefined) {
    return `no process command line matches /${spec.match}/`
  }
  return `no process listens on TCP port ${spec.port ?? '?'}`
}
