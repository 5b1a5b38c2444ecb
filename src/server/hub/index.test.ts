import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadExperimentText } from '../../experiment/load.js'
import { starterSpec } from '../../init/answers.js'
import { starterManifest } from '../../init/starter.js'
import { hubDir, loadHubTemplates } from './index.js'

test('every hub template loads through the real loader, as the Chaos Center loads it', () => {
  const templates = loadHubTemplates()
  assert.ok(templates.length >= 9, templates.map((t) => t.id).join(', '))
  for (const t of templates) {
    // As the server does: no environment (only ${NAME:-default}), relative to examples/hub.
    const experiment = loadExperimentText(t.yaml, path.join(hubDir(), `${t.id}.yaml`), {
      env: {},
    })
    assert.equal(experiment.name, t.name, t.id)
    assert.ok(t.description.length > 0, `${t.id} has a description`)
    assert.ok(t.tags.length > 0, `${t.id} has tags`)
  }
})

test("the hub's starters are ordeal init's files: attach and launch, kill and proxy latency", () => {
  const byId = new Map(loadHubTemplates().map((t) => [t.id, t]))
  const starters = {
    'attach-kill': ['process-kill', /attach:\n\s+- name: my-service\n\s+port: 8080/],
    'attach-proxy-latency': ['proxy-toxic', /proxies:/],
    'launch-kill': ['process-kill', /python3 -m http\.server \{\{ports\.http\}\}/],
    'launch-proxy-latency': ['proxy-toxic', /upstream: '127\.0\.0\.1:\{\{services\.my-service/],
  } as const
  for (const [id, [tag, shape]] of Object.entries(starters)) {
    const t = byId.get(id)
    assert.ok(t, id)
    assert.deepEqual(t.tags, [tag])
    assert.match(t.yaml, shape)
    assert.match(t.yaml, /# The same file as:\n# {3}ordeal init /)
  }
  // The same builder: the attach-kill template is init's output but for its name and header.
  const init = starterManifest(starterSpec({ attach: true, fault: 'kill' }))
  const body = (yaml: string) =>
    yaml.slice(yaml.indexOf('\napiVersion:')).replace(/hub-attach-kill/, 'my-service-kill')
  assert.equal(body(byId.get('attach-kill')!.yaml), body(init))
})

test('a file in examples/hub named like a starter replaces it; ids stay sorted', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-hub-'))
  try {
    writeFileSync(path.join(dir, 'launch-kill.yaml'), 'metadata: { name: mine }\n')
    writeFileSync(path.join(dir, 'aaa.yaml'), 'metadata: { name: first }\n')
    const templates = loadHubTemplates(dir, [
      { id: 'launch-kill', yaml: 'metadata: { name: starter }\n' },
      { id: 'zzz', yaml: 'metadata: { name: last }\n' },
    ])
    assert.deepEqual(
      templates.map((t) => [t.id, t.name]),
      [
        ['aaa', 'first'],
        ['launch-kill', 'mine'],
        ['zzz', 'last'],
      ]
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
