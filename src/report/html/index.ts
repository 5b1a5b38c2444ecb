/**
 * The self-contained HTML report (issue 17 §3): collect the journal, render one file.
 * @module
 */
export { ReportCollector } from './collect.js'
export type { ReportData } from './data.js'
export { reportHtml } from './render.js'
export { reportDirProblem, writeHtmlReport, REPORT_FILE } from './write.js'
