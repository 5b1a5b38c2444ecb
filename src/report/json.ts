/** `--json FILE`: the result exactly as DESIGN.md "Contracts" describes it. */
import { writeFile } from 'node:fs/promises'
import type { RunResult } from '../engine/result.js'

export async function writeJsonResult(file: string, result: RunResult): Promise<void> {
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`)
}
