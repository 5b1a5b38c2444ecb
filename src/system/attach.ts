/**
 * Processes ordeal did not start but may act on: found by pid, by a regular expression over the
 * command line, or by the TCP port they listen on. Resolved when a fault needs them, so a
 * process that restarted since the last step is found again under its new pid.
 * @module
 */
import type { AttachSpec } from '../experiment/model.js'
import { isSameProcess, processCommandLine, processStartTime } from './proc.js'
import { pidsListeningOn } from './proc-net.js'
import { ancestors, listPids } from './proc-scan.js'
import type { ProcessTarget } from './targets.js'

/**
 * The processes `spec` names, as fault targets (not group leaders: ordeal did not create their
 * groups, so it never signals a group it does not own). Labels are the attach name, with `#n`
 * (0-based, by pid) when several match. Throws when nothing matches.
 */
export async function resolveAttach(spec: AttachSpec): Promise<ProcessTarget[]> {
  let pids: number[]
  try {
    pids = await findPids(spec)
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
    pids = await findPids(spec)
  } catch (error) {
    return [(error as Error).message]
  }
  if (pids.length === 0) {
    return [`${noMatch(spec)} (yet)`]
  }
  return pids.map((pid) => `pid ${pid} (${processCommandLine(pid) ?? '?'})`)
}

async function findPids(spec: AttachSpec): Promise<number[]> {
  if (spec.pid !== undefined) {
    return isSameProcess(spec.pid) ? [spec.pid] : []
  }
  if (spec.match !== undefined) {
    return matchCommandLines(compile(spec.match))
  }
  if (spec.port !== undefined) {
    return pidsListeningOn(spec.port)
  }
  throw new Error('needs one of pid, match or port')
}

function matchCommandLines(pattern: RegExp): number[] {
  // ordeal's own command line (and its shell's, npx's, …) may contain the pattern itself.
  const excluded = new Set([process.pid, ...ancestors(process.pid)])
  return listPids()
    .filter((pid) => !excluded.has(pid))
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
