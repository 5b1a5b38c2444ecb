/**
 * Go-style durations ("500ms", "30s", "1m30s", "2h"), the unit every manifest field uses: parsed
 * here, and written back here when the text goes into a manifest again. Durations shown to people
 * are formatted by src/shared/units.ts.
 * @module
 */

const kUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** The pattern manifest fields are validated against (also emitted into the JSON Schema). */
export const DURATION_PATTERN = '^(\\d+(\\.\\d+)?(ms|s|m|h))+$'
const kDurationRe = new RegExp(DURATION_PATTERN)
const kPartRe = /(\d+(?:\.\d+)?)(ms|s|m|h)/g

/** Parses a duration into milliseconds; returns undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  if (!kDurationRe.test(text)) {
    return undefined
  }
  let total = 0
  for (const match of text.matchAll(kPartRe)) {
    total += Number(match[1]) * (kUnits[match[2] ?? 's'] ?? 0)
  }
  return Math.round(total)
}

/**
 * Milliseconds written back in the manifest's own syntax (1500 → "1.5s", 90000 → "1m30s"),
 * for text that is read as a duration again: the JSON Schema's defaults, a manifest variable.
 * Figures for people (reports, the UI) use `formatMs` of src/shared/units.ts instead.
 */
export function formatDuration(ms: number): string {
  if (ms < 1000) {
    return `${Math.round(ms)}ms`
  }
  if (ms < 60_000) {
    return `${Number((ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1))}s`
  }
  const minutes = Math.floor(ms / 60_000)
  const seconds = Math.round((ms % 60_000) / 1000)
  return seconds === 0 ? `${minutes}m` : `${minutes}m${seconds}s`
}

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) {
      resolve()
      return
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
  })
}
