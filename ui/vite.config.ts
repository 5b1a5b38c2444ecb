import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// The config lives in ui/ but is run from the repo root (`vite build --config ui/vite.config.ts`),
// so every path is resolved from this file, not from the working directory.
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [react()],
  build: {
    outDir: here('../dist/ui'),
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    // changeOrigin: the server on loopback answers only a Host naming itself (DNS rebinding
    // guard), so the proxy must send 127.0.0.1:7700, not the dev server's localhost:5173.
    proxy: {
      '/api': { target: 'http://127.0.0.1:7700', changeOrigin: true },
      '/metrics': { target: 'http://127.0.0.1:7700', changeOrigin: true },
    },
  },
})
