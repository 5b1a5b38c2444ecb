import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { OWN_SCRIPTS } from './protected.js'

// The list is found by command line, so a path left behind by a move would not fail anything:
// faults could then pause the watchdog or a Chaos Center's run process.
test("every script of ordeal's own processes exists", () => {
  const ext = path.extname(fileURLToPath(import.meta.url))
  for (const [script, what] of OWN_SCRIPTS) {
    assert.ok(existsSync(script + ext), `${what}: ${script}${ext}`)
  }
})
