/**
 * libfiu's remote control, through `fiu-ctrl` (fiu-utils): each process under the preload
 * reads one command per line from `<prefix>-<pid>.in` and answers 0 or -1 on `.out`. fiu-ctrl
 * exits 0 whatever happens and says on stdout what went wrong, so we read its stdout; and it
 * blocks while the target is stopped (SIGSTOP), so it always runs under `timeout`.
 *
 * The fifos and their directory belong to the target's user, who could swap a fifo for a
 * symlink to any file: fiu-ctrl (a shell script writing `echo … > $P.in`) would then write
 * through it. So when ordeal is root it runs fiu-ctrl as the process's own user (setpriv, no
 * supplementary groups), which can only ever write where that user could write anyway.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs'
import { runArgv } from '../../../safety/exec.js'
import { listPids, statSummary } from '../../../safety/proc-scan.js'

/** How long one fiu-ctrl may wait for a process to answer (a stopped one never does). */
const CTRL_TIMEOUT_SECONDS = 10

/** `enable`/`enable_random` for one failure point; `failinfo` is the errno number, if chosen. */
export function enableCommand(point: string, probability: number, errno?: number): string {
  const failinfo = errno === undefined ? '' : `,failinfo=${errno}`
  // enable_random draws per call; at 1 plain `enable` fails every call without the draw.
  return probability >= 1
    ? `enable name=${point}${failinfo}`
    : `enable_random name=${point},probability=${probability}${failinfo}`
}

export function disableCommand(point: string): string {
  return `disable name=${point}`
}

/** The user and group a process creates files as (its fsuid, fsgid), or undefined when gone. */
export interface FileOwner {
  uid: number
  gid: number
}

export function processFileOwner(pid: number): FileOwner | undefined {
  let status: string
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch {
    return undefined
  }
  // "Uid:\treal\teffective\tsaved\tfilesystem": the fifos are made with the last one.
  const fs = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(.*)$`, 'm').exec(status)?.[1]?.split(/\s+/)[3])
  const uid = fs('Uid')
  const gid = fs('Gid')
  return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined
}

/**
 * The argv that sends `commands` to the processes `pids` whose fifos start with `prefix`, as
 * `owner` (the processes' user) when ordeal is root and they are not. For the ledger too: a
 * pid that is gone is skipped by fiu-ctrl (exit 0), which makes it idempotent.
 */
export function fiuCtrlArgv(
  prefix: string,
  pids: readonly number[],
  commands: readonly string[],
  owner?: FileOwner
) {
  const drop =
    owner !== undefined && process.getuid?.() === 0 && owner.uid !== 0
      ? ['setpriv', `--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--clear-groups', '--']
      : []
  return [
    ...drop,
    'timeout',
    String(CTRL_TIMEOUT_SECONDS),
    'fiu-ctrl',
    '-f',
    prefix,
    ...commands.flatMap((c) => ['-c', c]),
    ...pids.map(String),
  ]
}

export type FiuCtrlOutcome = { ok: true } | { ok: false; gone: boolean; detail: string }

/** Runs fiu-ctrl and tells success, a process gone, and a refused or unanswered command apart. */
export async function runFiuCtrl(argv: readonly string[]): Promise<FiuCtrlOutcome> {
  const result = await runArgv(argv)
  const out = `${result.stdout}${result.stderr}`.trim()
  if (result.code === 124) {
    return { ok: false, gone: false, detail: 'no answer from its libfiu remote control (stopped?)' }
  }
  if (result.code !== 0) {
    return { ok: false, gone: false, detail: `fiu-ctrl exited ${result.code}: ${out}` }
  }
  if (/unknown pid or named pipe/.test(out)) {
    return { ok: false, gone: true, detail: 'gone' }
  }
  if (/returned error/.test(out)) {
    return { ok: false, gone: false, detail: out.split('\n')[0] ?? out }
  }
  return { ok: true }
}

/**
 * `root` and its descendants that have remote control fifos under `prefix`: a service's
 * workers forked by its main process each answer on their own fifo.
 */
export function controlledPids(root: number, prefix: string): number[] {
  const children = new Map<number, number[]>()
  for (const pid of listPids()) {
    const ppid = statSummary(pid)?.ppid
    if (ppid !== undefined) {
      children.set(ppid, [...(children.get(ppid) ?? []), pid])
    }
  }
  const tree: number[] = []
  const queue = [root]
  while (queue.length > 0) {
    const pid = queue.shift()!
    tree.push(pid)
    queue.push(...(children.get(pid) ?? []))
  }
  return tree.filter((pid) => existsSync(`${prefix}-${pid}.in`))
}
