import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

// The HTML report's page as one classic script (IIFE): it is inlined into report.html, which
// must open from file:// with no network, so no module chunks, no separate CSS (imported with
// `?inline`), no source map reference. Run from the repo root like ui/vite.config.ts.
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

export default defineConfig({
  root: here('.'),
  build: {
    outDir: here('../dist/report-page'),
    emptyOutDir: true,
    sourcemap: false,
    lib: {
      entry: here('src/report/main.ts'),
      formats: ['iife'],
      name: 'ordealReport',
      fileName: () => 'report.js',
    },
  },
})
