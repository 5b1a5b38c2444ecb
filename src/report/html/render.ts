/**
 * The report as one HTML file: the data as JSON in a `<script type="application/json">`, the
 * page's bundle (uPlot and its CSS included, see ui/report.vite.config.ts) inlined after it, and
 * the headline (verdict, score, hypothesis) as plain HTML so the file says what happened even
 * where scripts are off (a CI artifact viewer, grep). Nothing is fetched: no URL in the file.
 * @module
 */
import { formatScore } from '../../shared/units.js'
import type { ReportData } from './data.js'

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!)
}

/**
 * JSON that is safe inside a script element: `<` escaped (so no `</script>` or `<!--` can end or
 * bend the element) and U+2028/U+2029 escaped (line terminators to older JS parsers).
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

/** The bundle is our own code, but a `</script` in it would end the element early: refuse it. */
function inlineScript(code: string): string {
  if (/<\/script/i.test(code)) {
    throw new Error('report page bundle contains "</script": cannot inline it')
  }
  return code
}

export function reportHtml(data: ReportData, pageScript: string): string {
  const title = `${data.experiment}: ${data.verdict} — ordeal report`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="ordeal">
<title>${escapeHtml(title)}</title>
</head>
<body>
<header class="report-head">
<h1><span class="experiment">${escapeHtml(data.experiment)}</span> <span class="verdict verdict-${escapeHtml(data.verdict)}" data-testid="verdict">${escapeHtml(data.verdict.toUpperCase())}</span></h1>
<p class="score">resilience score <strong data-testid="score">${escapeHtml(formatScore(data.score))}</strong>${data.reason ? ` · <span class="reason">${escapeHtml(data.reason)}</span>` : ''}</p>
<p class="hypothesis" data-testid="hypothesis">${escapeHtml(data.hypothesis)}</p>
<p class="meta">run ${escapeHtml(data.runId)} · started ${escapeHtml(new Date(data.startedAt).toISOString())}</p>
</header>
<main id="report"></main>
<script type="application/json" id="ordeal-report-data">${scriptJson(data)}</script>
<script>${inlineScript(pageScript)}</script>
</body>
</html>
`
}
