/**
 * `--journal-format chaostoolkit`: the run as chaoslib's journal.json (keys and order as
 * chaoslib 1.44 writes them), so Chaos Toolkit's own tooling (`chaos report`, chaoslib's
 * journal readers, dashboards fed by journals) reads an ordeal run as one of its own.
 * @module
 */
import { writeFile } from 'node:fs/promises'
import os from 'node:os'
import type { CtkExperiment, CtkOutcome } from './model.js'
import { pyIsoUtc, seconds } from './py-time.js'

/** The chaoslib version whose journal format this follows. */
export const CHAOSLIB_VERSION = '1.44.0'

export function ctkJournal(
  experiment: CtkExperiment,
  outcome: CtkOutcome,
  title: string
): Record<string, unknown> {
  return {
    'chaoslib-version': CHAOSLIB_VERSION,
    platform: `${os.type()}-${os.release()}-${os.machine()}`,
    node: os.hostname(),
    experiment: { ...experiment.raw, title, dry: null },
    start: pyIsoUtc(outcome.start),
    status: outcome.status,
    deviated: outcome.deviated,
    steady_states: outcome.steadyStates,
    run: outcome.run,
    rollbacks: outcome.rollbacks,
    end: pyIsoUtc(outcome.end),
    duration: seconds(outcome.start, outcome.end),
  }
}

export async function writeCtkJournal(
  file: string,
  journal: Record<string, unknown>
): Promise<void> {
  // chaoslib: json.dump(journal, indent=2, ensure_ascii=False)
  // 0600: activities' outputs (a body, a process's stdout) may hold what only the runner saw.
  await writeFile(file, `${JSON.stringify(journal, null, 2)}`, { mode: 0o600 })
}
