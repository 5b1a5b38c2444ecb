/**
 * The sync's bookkeeping as a property, on a real SQLite store without git: whatever sequence
 * of folder states a repository goes through (files added, changed, broken, renamed, removed,
 * names reused), after each sync every managed experiment matches its file (or its file is
 * reported invalid and the last good version stays), every file is either managed or
 * reported, and a second sync of the same state changes nothing.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import fc from 'fast-check'
import { openStore } from '../store/open.js'
import type { Store } from '../store/contract.js'
import type { ServerContext } from '../context.js'
import { createExperimentChanges } from '../continuous/changes.js'
import { applyManifests } from './sync.js'
import { insertSource, managedRows, type SourceRow } from './sources-sql.js'
import type { ManifestFile } from './mirror.js'

const manifest = (name: string, variant: number, valid: boolean) => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: ${name}
spec:
  hypothesis: Variant ${variant}.
  system:
    services:
      - name: sleeper
        command: node
        args: ['-e', 'setInterval(() => {}, 1000)']
  steps:
    - name: nap
      wait: ${valid ? '100ms' : 'banana'}
`

let dir: string
let store: Store
let ctx: ServerContext
let runs = 0

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-sync-prop-'))
  store = await openStore({ dataDir: dir })
  ctx = { store, changes: createExperimentChanges(() => undefined) } as unknown as ServerContext
})

after(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

/** One folder state: path → (name index, variant, valid). */
const state = fc.dictionary(
  fc.constantFrom('a.yaml', 'b.yaml', 'c/d.yaml', 'c/e.yml', 'f.yaml'),
  fc.record({
    name: fc.integer({ min: 0, max: 3 }),
    variant: fc.integer({ min: 0, max: 2 }),
    valid: fc.boolean(),
  }),
  { maxKeys: 5 }
)

test('property: after every sync, experiments match their files; a repeated sync is a no-op', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(state, { minLength: 1, maxLength: 4 }), async (states) => {
      const run = ++runs
      const source: SourceRow = {
        id: `git_prop${run}`,
        name: `prop-${run}`,
        url: '/nowhere',
        branch: 'main',
        folder: '',
        auth: 'none',
        credential: null,
        webhook_secret: 'x',
        poll_seconds: 120,
        created_at: new Date().toISOString(),
        created_by: 'u1',
        created_by_name: 'tester',
        last_sync: null,
      }
      assert.ok(await insertSource(store.sql, source))
      const nameOf = (i: number) => `p${run}-n${i}`
      for (const [step, files] of states.entries()) {
        const commit = `${run}`.padStart(20, '0') + `${step}`.padStart(20, '0')
        const manifests: ManifestFile[] = Object.entries(files)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([p, f]) => ({
            path: p,
            blob: '',
            yaml: manifest(nameOf(f.name), f.variant, f.valid),
          }))
        const now = () => new Date().toISOString()
        const counts = await applyManifests(ctx, source, commit, manifests, now)
        const reported = new Set(counts.invalid.map((e) => e.path))
        const managed = await managedRows(store.sql, source.id)
        const byPath = new Map(managed.map((m) => [m.path, m]))
        for (const m of managed) {
          const file = files[m.path]
          if (file === undefined) {
            // A removed file's experiment stays only while a manifest of the commit is invalid.
            assert.ok(
              Object.values(files).some((f) => !f.valid),
              `managed ${m.path} has its file`
            )
            const why = counts.invalid.find((e) => e.path === m.path)
            assert.match(why?.message ?? '', /deletions wait: \d+ manifest\(s\) invalid/)
            continue
          }
          if (!reported.has(m.path)) {
            assert.ok(file.valid, `invalid ${m.path} reported`)
            assert.equal(m.name, nameOf(file.name))
            assert.equal(m.yaml, manifest(nameOf(file.name), file.variant, true))
          }
        }
        for (const [p, f] of Object.entries(files)) {
          assert.ok(byPath.has(p) || reported.has(p), `${p} is managed or reported`)
          if (!f.valid) {
            assert.ok(reported.has(p), `invalid ${p} reported`)
          }
        }
        assert.equal(new Set(managed.map((m) => m.experiment_id)).size, managed.length)
        const again = await applyManifests(ctx, source, commit, manifests, now)
        assert.deepEqual(
          [again.created, again.updated, again.deleted, again.invalid.length],
          [0, 0, 0, counts.invalid.length]
        )
      }
    }),
    { numRuns: 60 }
  )
})
