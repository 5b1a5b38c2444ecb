/** `--json FILE`: the result exactly as DESIGN.md "Contracts" describes it. */
import { writeFile } from 'node:fs/promises'
import type { RunResult } from '../engine/result.js'
import type { ManifestIssue } from '../experiment/errors.js'

/** The text of a result file: what `--json` writes and the Chaos Center's download serves. */
export function jsonResultText(result: RunResult): string {
  return `${JSON.stringify(result, null, 2)}\n`
}

export async function writeJsonResult(file: string, result: RunResult): Promise<void> {
  await writeFile(file, jsonResultText(result))
}

/**
 * What `--json` holds when the manifest is invalid (exit 2): no run happened, so no runId and
 * empty lists, verdict `error`, and `issues` with every problem as `ordeal validate` prints it.
 * A reader tells it from a run by `issues` (present only here).
 */
export interface InvalidManifestResult {
  verdict: 'error'
  reason: string
  /** The manifest file as given on the command line. */
  file: string
  issues: ManifestIssue[]
  resilienceScore: 0
  startedAt: string
  endedAt: string
  steps: []
  probes: []
  checks: []
  faults: []
  loads: []
}

export function invalidManifestResult(
  file: string,
  issues: readonly ManifestIssue[],
  at: Date = new Date()
): InvalidManifestResult {
  return {
    verdict: 'error',
    reason: `invalid manifest: ${issues.length} issue${issues.length === 1 ? '' : 's'}`,
    file,
    issues: [...issues],
    resilienceScore: 0,
    startedAt: at.toISOString(),
    endedAt: at.toISOString(),
    steps: [],
    probes: [],
    checks: [],
    faults: [],
    loads: [],
  }
}

export async function writeInvalidManifestJson(
  file: string,
  manifest: string,
  issues: readonly ManifestIssue[]
): Promise<void> {
  await writeFile(file, `${JSON.stringify(invalidManifestResult(manifest, issues), null, 2)}\n`)
}
