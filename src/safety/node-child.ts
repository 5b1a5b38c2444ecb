/**
 * Starting ordeal's own helper processes (stress workers, the watchdog) with the same Node and
 * loader as the runner: `.js` beside the module in the built package, `.ts` under tsx.
 * @module
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The file `name` beside `moduleUrl`, with that module's own extension. */
export function siblingScript(moduleUrl: string, name: string): string {
  return fileURLToPath(new URL(`./${name}${path.extname(fileURLToPath(moduleUrl))}`, moduleUrl))
}

/**
 * The runner's `execArgv` minus what must not reach a helper: `-e`/`-p` code would run instead
 * of the helper, a second inspector cannot bind its port, and `--test` would make it a test run.
 */
export function childExecArgv(): string[] {
  const out: string[] = []
  const argv = process.execArgv
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '-e' || arg === '--eval' || arg === '-p' || arg === '--print') {
      i++
      continue
    }
    if (
      /^--(eval|print)=/.test(arg) ||
      /^--(inspect|debug)/.test(arg) ||
      /^--test(=|$)/.test(arg)
    ) {
      continue
    }
    out.push(arg)
  }
  return out
}
