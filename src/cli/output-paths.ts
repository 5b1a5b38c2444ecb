/**
 * Report files (`--json`, `--junit`, `--journal`, `--report`) are checked before anything
 * starts: a typo in a path is a usage error (exit 2, one line), not an internal error after a
 * run whose results could not be written.
 * @module
 */
import { accessSync, constants, statSync } from 'node:fs'
import path from 'node:path'
import { UsageError } from './exit.js'

/** `{ '--json': 'r.json', ... }`; undefined entries are options not given. */
export function checkOutputPaths(command: string, files: Record<string, string | undefined>): void {
  for (const [option, file] of Object.entries(files)) {
    if (file === undefined) {
      continue
    }
    const problem = outputProblem(file)
    if (problem !== undefined) {
      throw new UsageError(`ordeal ${command}: ${option} ${file}: ${problem}`)
    }
  }
}

function outputProblem(file: string): string | undefined {
  const dir = path.dirname(path.resolve(file))
  try {
    if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) {
      return 'is a directory; expected a file name'
    }
    if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
      return `directory ${dir} does not exist`
    }
    accessSync(dir, constants.W_OK)
    return undefined
  } catch (error) {
    return `cannot write there (${(error as NodeJS.ErrnoException).code ?? String(error)})`
  }
}
