/**
 * `runs/<run>/run.json`: what a recovery tool needs to know about a run that died, beyond its
 * ledger: where its journal was being written, so the recovery can be recorded in it.
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

export interface RunInfo {
  runId: string
  pid: number
  /** Absolute path of the `--journal` file, when the run wrote one. */
  journalFile?: string
}

const kFile = 'run.json'

export function writeRunInfo(runDir: string, info: RunInfo): void {
  writeFileSync(path.join(runDir, kFile), `${JSON.stringify(info)}\n`, { mode: 0o600 })
}

/** The run's info, or undefined when it is missing or unreadable (an older run). */
export function readRunInfo(runDir: string): RunInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(path.join(runDir, kFile), 'utf8')) as Partial<RunInfo>
    return typeof info.runId === 'string' && typeof info.pid === 'number'
      ? (info as RunInfo)
      : undefined
  } catch {
    return undefined
  }
}
