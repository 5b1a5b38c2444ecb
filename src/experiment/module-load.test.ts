import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { isModuleFile, loadAnyExperimentFile, loadExperimentModule } from './module-load.js'
import { ManifestError } from './errors.js'

let dir = ''
const api = pathToFileURL(path.resolve('src/index.ts')).href
const good = (name: string) => `{
  apiVersion: 'ordeal.dev/v1',
  kind: 'Experiment',
  metadata: { name: '${name}' },
  spec: { hypothesis: 'h', steps: [{ wait: '1s' }] },
}`

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-module-'))
  writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n')
})
after(() => rmSync(dir, { recursive: true, force: true }))

/** Loads `text` as `name` and returns the one error line (or fails). */
async function errorOf(name: string, text: string): Promise<string> {
  const file = path.join(dir, name)
  writeFileSync(file, text)
  const error = await loadExperimentModule(file).then(
    () => assert.fail('loaded'),
    (e: unknown) => e
  )
  assert.ok(error instanceof ManifestError, String(error))
  assert.equal(error.message.split('\n').length, 1, error.message)
  return error.message
}

test('each extension loads: .ts, .mts, .js, .mjs', async () => {
  for (const ext of ['ts', 'mts', 'js', 'mjs']) {
    const file = path.join(dir, `ok-${ext}.${ext}`)
    writeFileSync(file, `export default ${good(`ok-${ext}`)}\n`)
    assert.equal(isModuleFile(file), true)
    const experiment = await loadAnyExperimentFile(file)
    assert.equal(experiment.name, `ok-${ext}`)
    assert.equal(experiment.baseDir, dir)
  }
  assert.equal(isModuleFile('x.yaml'), false)
})

test('a TypeScript syntax error names the file and line', async () => {
  const message = await errorOf('syntax.ts', 'const x: number =\n\nexport default {}\n')
  assert.match(message, new RegExp(`^${path.join(dir, 'syntax.ts')}:3: syntax error: `))
})

test('a JavaScript syntax error names the file and line', async () => {
  const message = await errorOf('syntax.mjs', 'export default {\n  a: 1,,\n}\n')
  assert.match(message, new RegExp(`^${path.join(dir, 'syntax.mjs')}:2: syntax error: `))
})

test('a throw at import names the file, the line of the throw and its message', async () => {
  const message = await errorOf(
    'throws.ts',
    `const port: string | undefined = undefined\nif (!port) {\n  throw new Error('PORT is not set')\n}\nexport default {}\n`
  )
  assert.equal(
    message,
    `${path.join(dir, 'throws.ts')}:3: the module threw at import: PORT is not set`
  )
})

test('no default export, or not an object', async () => {
  assert.match(
    await errorOf('nodefault.ts', `export const experiment = ${good('x')}\n`),
    /nodefault\.ts: no default export; expected `export default defineExperiment/
  )
  assert.match(
    await errorOf('string.ts', `export default 'quickstart'\n`),
    /string\.ts: the default export is string; expected an experiment object/
  )
})

test('an invalid experiment: the YAML messages, naming the file and the field', async () => {
  const message = await errorOf(
    'invalid.ts',
    `import { defineExperiment } from '${api}'
export default defineExperiment({
  apiVersion: 'ordeal.dev/v1',
  kind: 'Experiment',
  metadata: { name: 'bad' },
  spec: { hypothesis: 'h', steps: [{ wait: '5 sec' }] },
})
`
  )
  assert.match(message, /invalid\.ts: spec\.steps\[0\]\.wait: must be a duration like 30s/)
})

test('a missing file and --set', async () => {
  await assert.rejects(
    loadExperimentModule(path.join(dir, 'missing.ts')),
    /missing\.ts: file not found/
  )
  writeFileSync(path.join(dir, 'set.ts'), `export default ${good('s')}\n`)
  await assert.rejects(
    loadExperimentModule(path.join(dir, 'set.ts'), { set: { PORT: '1' } }),
    /--set PORT: a TypeScript experiment reads its inputs itself/
  )
})
