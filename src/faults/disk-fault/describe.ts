/**
 * What a disk-fault does, in words: `--dry-run` lines and the journal's action lines share
 * these, so the plan and the record read the same. Pure.
 * @module
 */
import { describeSelector } from '../select.js'
import { formatSize } from '../size.js'
import type { DiskFaultParams } from './schema.js'

/** `write, fsync` or `every operation`. */
export function operationsText(params: Pick<DiskFaultParams, 'operations'>): string {
  return params.operations === undefined ? 'every operation' : params.operations.join(', ')
}

/** `with EIO always`, `with ENOSPC at p=0.1`. */
export function failureText(params: Pick<DiskFaultParams, 'errno' | 'probability'>): string {
  const p = params.probability ?? 1
  return `with ${params.errno} ${p >= 1 ? 'always' : `at p=${p}`}`
}

/** One line per thing the fault does, `dir` being its path as the run will see it. */
export function describeDiskFault(params: DiskFaultParams, dir: string): string[] {
  const lines: string[] = []
  const until = `until ${params.duration}`
  if (params.powerLoss !== undefined) {
    lines.push(
      `power loss on ${dir}: SIGKILL ${describeSelector(params.powerLoss.target)}, drop every write under ${dir} not fsynced (file data; creates, renames and unlinks whose directory was not fsynced), then start it again (the mount holds unsynced writes in memory for the whole run)`
    )
  }
  if (params.latency !== undefined) {
    lines.push(`delay ${operationsText(params)} on ${dir} by ${params.latency}, ${until}`)
  }
  if (params.errno !== undefined) {
    lines.push(`fail ${operationsText(params)} on ${dir} ${failureText(params)}, ${until}`)
  }
  lines.push(
    `(${dir} is mounted with ordeal-diskfs, FUSE, before the services start and unmounted after they stop)`
  )
  return lines
}

/** The journal line of a power loss: `power loss: 3 files, 12.0 KiB, 2 entries dropped`. */
export function powerLossText(counts: Record<string, number>): string {
  const files = counts['files'] ?? 0
  const entries = counts['entries'] ?? 0
  return `power loss: ${files} ${files === 1 ? 'file' : 'files'}, ${formatSize(counts['bytes'] ?? 0)}, ${entries} ${entries === 1 ? 'entry' : 'entries'} dropped`
}
