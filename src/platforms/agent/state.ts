/**
 * The agent's state directory: `--state-dir`, by default /var/lib/ordeal/agent as root and
 * ~/.ordeal/agent otherwise, mode 0700. It is the runs' ORDEAL_STATE_DIR too (their ledgers,
 * run dirs), and holds the agent's own part under `agent/`:
 *
 *     agent/agent.lock          flock'd while an agent uses the dir (run-lock.ts's technique)
 *     agent/runs/<runId>.json   a run this agent holds: {runId, experiment, leaseMs, acked, ended}
 *     agent/runs/<runId>.jsonl  its durable journal, which is also the outbox (outbox.ts)
 *
 * Both go when the Chaos Center has acked the run's end (or refused or forgotten the run); old
 * run dirs (`runs/<runId>/`) are pruned by retention.ts.
 * @module
 */
import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export function defaultStateDir(): string {
  return process.getuid?.() === 0
    ? '/var/lib/ordeal/agent'
    : path.join(os.homedir(), '.ordeal', 'agent')
}

export interface RunState {
  runId: string
  experiment: string
  leaseMs: number
  /** Every seq up to this one is stored on the server (persisted at most once a second). */
  acked: number
  /** The server acked `run.ended`: nothing more to send. */
  ended: boolean
  journal: string
}

export class AgentState {
  readonly agentDir: string
  readonly runsDir: string

  constructor(readonly dir: string) {
    this.agentDir = path.join(dir, 'agent')
    this.runsDir = path.join(this.agentDir, 'runs')
  }

  /** Creates the directories, 0700 (throws with the OS's reason when it cannot). */
  prepare(): void {
    for (const dir of [this.dir, this.agentDir, this.runsDir]) {
      mkdirSync(dir, { recursive: true, mode: 0o700 })
    }
    // Ours alone: the outbox holds every event of every run (umask may have widened them).
    chmodSync(this.agentDir, 0o700)
    chmodSync(this.runsDir, 0o700)
  }

  journalOf(runId: string): string {
    return path.join(this.runsDir, `${runId}.jsonl`)
  }

  stateFileOf(runId: string): string {
    return path.join(this.runsDir, `${runId}.json`)
  }

  /** Writes the run's state: a temp file, renamed into place, then the directory synced. */
  write(state: RunState): void {
    const file = this.stateFileOf(state.runId)
    const temp = `${file}.${process.pid}.tmp`
    const fd = openSync(temp, 'w', 0o600)
    try {
      writeFileSync(fd, `${JSON.stringify(state)}\n`)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temp, file)
    syncDir(this.runsDir)
  }

  remove(runId: string): void {
    rmSync(this.stateFileOf(runId), { force: true })
    syncDir(this.runsDir)
  }

  /** Every run state on disk (unreadable files are skipped: a torn temp file, say). */
  list(): RunState[] {
    let names: string[]
    try {
      names = readdirSync(this.runsDir)
    } catch {
      return []
    }
    return names
      .filter((name) => name.endsWith('.json'))
      .flatMap((name) => {
        try {
          const state = JSON.parse(readFileSync(path.join(this.runsDir, name), 'utf8')) as RunState
          return typeof state.runId === 'string' ? [state] : []
        } catch {
          return []
        }
      })
  }
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/**
 * Locks the state dir for this process (flock on `agent/agent.lock` through flock(1), as
 * run-lock.ts does: the kernel drops it when the process dies, however it dies). The file holds
 * the holder's pid, for the message another agent prints.
 * @returns undefined when locked, else the pid of the agent holding it (0 when unknown)
 */
export function lockStateDir(state: AgentState): number | undefined {
  const file = path.join(state.agentDir, 'agent.lock')
  const fd = openSync(file, 'a+', 0o600)
  const r = spawnSync('flock', ['--exclusive', '--nonblock', '3'], {
    stdio: ['ignore', 'ignore', 'pipe', fd],
  })
  if (r.error) {
    closeSync(fd)
    throw new Error(`flock(1) from util-linux is needed to lock the state dir: ${r.error.message}`)
  }
  if (r.status !== 0) {
    closeSync(fd)
    const pid = Number(readFileSync(file, 'utf8').trim())
    return Number.isInteger(pid) ? pid : 0
  }
  // Ours: the descriptor stays open (and the lock held) until this process ends.
  writeFileSync(file, `${process.pid}\n`)
  return undefined
}
