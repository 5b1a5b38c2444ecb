/**
 * Issue 19 §1 with the built CLI: `ordeal run` / `validate` / `--dry-run` take a TypeScript
 * module; whatever is wrong with it is exit 2 and one line naming the file; a script step's
 * fault is real and is undone by Ctrl+C (exit 130).
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseJournal } from '../../src/engine/journal.js'
import type { RunResult } from '../../src/engine/result.js'
import { processState } from '../../src/safety/proc.js'
import { cliPath, collect, repoRoot, workspace, type Workspace } from '../support/cli.js'
import { waitUntil } from '../support/fault-proc.js'

let ws: Workspace
const api = pathToFileURL(path.join(repoRoot, 'dist/index.js')).href
before(() => {
  ws = workspace()
  // The experiments of a project: an ES module package that imports ordeal.
  ws.write('package.json', '{ "type": "module" }\n')
})
after(() => ws.cleanup())

const system = `{ services: [{ name: 'app', command: 'node', args: ['-e', 'setInterval(() => {}, 1000)'] }] }`
const experiment = (steps: string, name = 'ts-e2e') => `import { defineExperiment } from '${api}'
export default defineExperiment({
  apiVersion: 'ordeal.dev/v1',
  kind: 'Experiment',
  metadata: { name: '${name}' },
  spec: { hypothesis: 'h', deadline: '2m', system: ${system}, steps: ${steps} },
})
`

test('the TypeScript quickstart runs from its module and passes (exit 0)', async () => {
  const json = path.join(ws.dir, 'quickstart.json')
  const r = await ws.run([
    'run',
    path.join(repoRoot, 'examples/typescript/experiment.ts'),
    '--json',
    json,
  ])
  assert.equal(r.exitCode, 0, r.stdout + r.stderr)
  const result = JSON.parse(readFileSync(json, 'utf8')) as RunResult
  assert.equal(result.experiment, 'quickstart-ts')
  assert.equal(result.faults[0]?.type, 'process-kill')
  assert.ok(result.faults[0]!.actions.length >= 2, 'killed again and again')
})

test('validate and --dry-run read a module like a manifest', async () => {
  const file = ws.write(
    'script.ts',
    experiment(`[{ wait: '1s' }, async ({ fault }) => { await fault.pause('app', '1s') }]`)
  )
  const v = await ws.run(['validate', file])
  assert.equal(v.exitCode, 0, v.stderr)
  assert.equal(v.stdout, `${file}: ok (experiment 'ts-e2e')\n`)
  const d = await ws.run(['run', '--dry-run', file])
  assert.equal(d.exitCode, 0, d.stderr)
  assert.match(d.stdout, /wait 1s: wait 1s/)
  assert.match(d.stdout, /script: script \(TypeScript function/)
  assert.equal(existsSync(path.join(ws.stateDir, 'runs')), false, 'a dry run starts nothing')
})

test('a broken module is exit 2 and one line naming the file, for run, validate and --dry-run', async () => {
  const cases: [string, string, RegExp][] = [
    ['syntax.ts', `export default {\n  a: 1,\n  b: (\n}\n`, /syntax\.ts:4: syntax error: /],
    [
      'throws.mts',
      `\nthrow new Error('no PORT')\n`,
      /throws\.mts:2: the module threw at import: no PORT$/,
    ],
    ['nodefault.ts', `export const x = 1\n`, /nodefault\.ts: no default export/],
    [
      'invalid.ts',
      experiment(
        `[{ fault: { type: 'process-pause', target: { service: 'ap1' } as never, duration: '1s' } }]`
      ),
      /invalid\.ts: spec\.steps\[0\]\.fault\.target\.service: .*ap1/,
    ],
  ]
  for (const [name, text, line] of cases) {
    const file = ws.write(name, text)
    for (const args of [
      ['validate', file],
      ['run', '--dry-run', file],
      ['run', file],
    ]) {
      const r = await ws.run(args)
      assert.equal(r.exitCode, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`)
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
      assert.match(r.stderr.trim(), line, args.join(' '))
      assert.doesNotMatch(r.stderr, /internal error|\n\s+at /)
    }
  }
  assert.equal(existsSync(path.join(ws.stateDir, 'runs')), false, 'nothing started')
})

test('Ctrl+C during a script step reverts its fault and exits 130', async () => {
  const file = ws.write(
    'interrupted.ts',
    experiment(
      `[{ name: 'hold', run: async ({ fault, note, wait }) => {
        await fault.pause('app', '60s')
        note('app paused')
        await wait('60s')
      } }]`,
      'ts-interrupted'
    )
  )
  const journal = path.join(ws.dir, 'interrupted.ndjson')
  const child = spawn(process.execPath, [cliPath, 'run', file, '--journal', journal], {
    cwd: ws.dir,
    env: { ...process.env, NO_COLOR: '1', ORDEAL_STATE_DIR: ws.stateDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const done = collect(child, 60_000)
  const events = () => (existsSync(journal) ? parseJournal(readFileSync(journal, 'utf8')) : [])
  const pid = await waitUntil(
    'the app paused',
    () => {
      const started = events().find((e) => e.type === 'service.started')
      const noted = events().some((e) => e.type === 'script.note')
      return started && noted && 'pid' in started && processState(started.pid) === 'T'
        ? started.pid
        : undefined
    },
    { timeoutMs: 30_000 }
  )
  const started = Date.now()
  child.kill('SIGINT')
  const r = await done
  assert.equal(r.exitCode, 130, r.stdout + r.stderr)
  assert.ok(Date.now() - started < 20_000, 'the 60 s hold ended at the interrupt')
  assert.match(r.stdout, /✎ "hold": app paused/)
  const types = events().map((e) => e.type)
  assert.ok(types.indexOf('fault.reverted') > types.indexOf('fault.injected'))
  assert.ok(types.indexOf('fault.reverted') < types.indexOf('system.stopped'))
  assert.notEqual(processState(pid), 'T', 'not left stopped')
})
