/**
 * The report page's bundle, built by `npm run build` (ui/report.vite.config.ts) into
 * dist/report-page/: found beside the compiled CLI (dist/report/html → dist/report-page) and,
 * when running from the sources (tests via tsx), in the repository's dist.
 * @module
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const CANDIDATES = ['../../report-page/report.js', '../../../dist/report-page/report.js']

let cached: string | undefined

/** The page script, or an error naming the build step that makes it. */
export function reportPageScript(): string {
  if (cached !== undefined) {
    return cached
  }
  for (const candidate of CANDIDATES) {
    try {
      cached = readFileSync(fileURLToPath(new URL(candidate, import.meta.url)), 'utf8')
      return cached
    } catch {
      // try the next place
    }
  }
  throw new Error('the HTML report page is not built (dist/report-page/report.js): npm run build')
}
