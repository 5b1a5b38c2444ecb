/**
 * Delivered ids from a text file: one per line.
 * @module
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Launcher } from '../../platforms/local/exec-policy.js'
import { readTextAs } from '../../platforms/local/read-as.js'

/** Lines are trimmed (so CRLF files work) and blank lines skipped. */
export async function readFileSource(
  file: string,
  ctx: { baseDir: string; signal: AbortSignal; launch?: Launcher }
): Promise<string[]> {
  const full = path.resolve(ctx.baseDir, file)
  // As the run user when commands run as another one: its rights, not the run process's.
  const text =
    (await readTextAs(ctx.launch, full, ctx.signal)) ??
    (await readFile(full, { encoding: 'utf8', signal: ctx.signal }))
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
}
