/**
 * `--report DIR`: DIR is made (mkdir -p) and checked before the run starts, so a bad path is a
 * usage error that costs nothing; after the run, DIR/report.html is written.
 * @module
 */
import { accessSync, constants, mkdirSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { ReportData } from './data.js'
import { reportPageScript } from './page-asset.js'
import { reportHtml } from './render.js'

export const REPORT_FILE = 'report.html'

/** Why DIR cannot take the report, in a few words; undefined when it can. */
export function reportDirProblem(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true })
    accessSync(dir, constants.W_OK)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return code === 'EEXIST' || code === 'ENOTDIR'
      ? 'is not a directory'
      : `cannot write there (${code ?? String(error)})`
  }
  try {
    reportPageScript()
  } catch (error) {
    return (error as Error).message
  }
  return undefined
}

/** Writes DIR/report.html; returns its path. */
export async function writeHtmlReport(dir: string, data: ReportData): Promise<string> {
  const file = path.join(dir, REPORT_FILE)
  await writeFile(file, reportHtml(data, reportPageScript()))
  return file
}
