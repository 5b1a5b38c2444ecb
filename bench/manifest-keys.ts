/**
 * Manifest key checks: what a manifest with many keys costs the record route, before and after
 * issue 12. Old path: `yaml`'s `parse` with its own duplicate-key check (every key against
 * every other). New path: `parseManifestYaml`, the loader's parse with a set per mapping and
 * the key bound. The figure to compare across runs is the growth when the keys double (same
 * run, previous row as the baseline): about 4 for a quadratic check, about 2 for a linear one.
 *
 * `node --import tsx bench/manifest-keys.ts`
 */
import { parse } from 'yaml'
import { parseManifestYaml } from '../src/experiment/load.js'

function manifest(keys: number): string {
  const labels: string[] = []
  for (let i = 0; i < keys; i++) {
    labels.push(`    k${i.toString(36)}: v`)
  }
  return `apiVersion: ordeal.dev/v1\nkind: Experiment\nmetadata:\n  name: many\n  labels:\n${labels.join('\n')}\nspec:\n  hypothesis: h\n`
}

function time(fn: () => unknown): number {
  const start = process.hrtime.bigint()
  try {
    fn()
  } catch {
    // The key bound refuses large manifests: the refusal is what is timed.
  }
  return Number(process.hrtime.bigint() - start) / 1e6
}

/** Best of `runs` (the machine is shared: the minimum is the least disturbed reading). */
function best(runs: number, fn: () => unknown): number {
  let min = Infinity
  for (let i = 0; i < runs; i++) {
    min = Math.min(min, time(fn))
  }
  return min
}

// Warm-up: the first parse of each kind pays for compiling the parser.
parseManifestYaml(manifest(500), 'warm.yaml')
parse(manifest(500), { logLevel: 'error' })

console.log('| keys | bytes | old parse (ms) | old ×, keys ×2 | new parse (ms) | new ×, keys ×2 |')
console.log('| ---- | ----- | -------------- | -------------- | -------------- | -------------- |')
let previous: { old: number; now: number } | undefined
for (const keys of [2_500, 5_000, 10_000, 20_000]) {
  const text = manifest(keys)
  const old = best(keys > 10_000 ? 1 : 3, () => parse(text, { logLevel: 'error' }))
  const now = best(3, () => parseManifestYaml(text, 'bench.yaml'))
  const growth = (a: number, b: number | undefined) => (b ? (a / b).toFixed(1) : '')
  console.log(
    `| ${keys} | ${text.length} | ${old.toFixed(0)} | ${growth(old, previous?.old)} | ${now.toFixed(0)} | ${growth(now, previous?.now)} |`
  )
  previous = { old, now }
}
