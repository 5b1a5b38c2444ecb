/**
 * Delivered ids from a text file: one per line.
 * @module
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'

/** Lines are trimmed (so CRLF files work) and blank lines skipped. */
export async function readFileSource(
  file: string,
  ctx: { baseDir: string; signal: AbortSignal }
): Promise<string[]> {
  const text = await readFile(path.resolve(ctx.baseDir, file), {
    encoding: 'utf8',
    signal: ctx.signal,
  })
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
}
