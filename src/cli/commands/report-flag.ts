/**
 * `ordeal run --report DIR`, shared by a local and a placed run: the directory is made and
 * checked before anything starts, the report written once the result is known.
 * @module
 */
import type { RunResult } from '../../engine/result.js'
import type { ReportCollector } from '../../report/html/collect.js'
import { reportDirProblem, writeHtmlReport } from '../../report/html/write.js'
import { UsageError } from '../exit.js'

/** `--report DIR`: made and checked before anything starts (a bad DIR is exit 2, one line). */
export function checkReportDir(dir: string): void {
  const problem = reportDirProblem(dir)
  if (problem !== undefined) {
    throw new UsageError(`ordeal run: --report ${dir}: ${problem}`)
  }
}

/**
 * Writes DIR/report.html from what the run journaled and says where. A failed write (disk full,
 * the directory removed during the run) is one line on stderr and nothing more: the run is over
 * and its verdict stands, so the caller keeps the verdict's exit code.
 */
export async function writeReport(
  dir: string,
  collector: ReportCollector,
  result: RunResult
): Promise<boolean> {
  try {
    const file = await writeHtmlReport(dir, collector.finish(result))
    process.stdout.write(`report: ${file}\n`)
    return true
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    process.stderr.write(`ordeal run: --report ${dir}: the report was not written: ${reason}\n`)
    return false
  }
}
