import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { packBundle } from '../../experiment/bundle.js'
import { loadPartsExperiment } from './part-manifest.js'

const QUICKSTART = path.resolve(import.meta.dirname, '../../../examples/quickstart')

const leftovers = async () =>
  (await readdir(tmpdir())).filter((name) => name.startsWith('ordeal-parts-'))

test('a multi-host run’s manifest loads on the server from its YAML, vars and bundle', async () => {
  const before = await leftovers()
  const yaml = await readFile(path.join(QUICKSTART, 'experiment.yaml'), 'utf8')
  const { data } = await packBundle(QUICKSTART)
  const experiment = await loadPartsExperiment({ yaml, vars: {}, bundle: data })
  assert.equal(experiment.name, 'quickstart')
  assert.deepEqual(
    experiment.system.services.map((service) => service.name),
    ['api', 'frontend']
  )
  const withVar = yaml.replace('name: quickstart', 'name: ${NAME}')
  assert.equal((await loadPartsExperiment({ yaml: withVar, vars: { NAME: 'q2' } })).name, 'q2')
  assert.deepEqual(await leftovers(), before, 'its temp dir is removed')
})

test('a manifest that does not load: one line naming the field, the temp dir removed', async () => {
  const before = await leftovers()
  const yaml = 'apiVersion: ordeal.dev/v1\nkind: Experiment\nmetadata: {name: x}\nspec: {}\n'
  await assert.rejects(loadPartsExperiment({ yaml, vars: {} }), (error: Error) => {
    assert.doesNotMatch(error.message, /\n/)
    assert.match(error.message, /spec/)
    return true
  })
  await assert.rejects(loadPartsExperiment({ yaml: 'x', vars: {}, bundle: 'not gzip' }), /bundle/)
  assert.deepEqual(await leftovers(), before)
})
