import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadExperimentText } from '../../experiment/load.js'
import { starterSpec } from '../../init/answers.js'
import { starterManifest } from '../../init/starter.js'
import { loadManifest } from '../api/manifest.js'
import { ValidationError } from '../api/validation.js'
import { hubDir, loadHubTemplates } from './index.js'

test('every hub template loads through the real loader, as the Chaos Center loads it', () => {
  const templates = loadHubTemplates()
  assert.ok(templates.length >= 9, templates.map((t) => t.id).join(', '))
  for (const t of templates) {
    // As the server does: no environment (only ${NAME:-default}), relative to examples/hub;
    // the attach starters' port is set as the user would write it in.
    const experiment = loadExperimentText(t.yaml, path.join(hubDir(), `${t.id}.yaml`), {
      env: {},
      set: t.yaml.includes('${SERVICE_PORT}') ? { SERVICE_PORT: '8080' } : {},
    })
    assert.equal(experiment.name, t.name, t.id)
    assert.ok(t.description.length > 0, `${t.id} has a description`)
    assert.ok(t.tags.length > 0, `${t.id} has tags`)
  }
})

test("the hub's starters are ordeal init's files: attach and launch, kill and proxy latency", () => {
  const byId = new Map(loadHubTemplates().map((t) => [t.id, t]))
  const starters = {
    'attach-kill': [
      'process-kill',
      /attach:\n\s+- name: my-service\n(\s+#.*\n)+\s+port: \$\{SERVICE_PORT\}\n/,
    ],
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
  // The same builder: the launch-kill template is init's output but for its name and header.
  const init = starterManifest(
    starterSpec({
      start: 'python3 -m http.server {{ports.http}} --bind 127.0.0.1',
      port: '0',
      fault: 'kill',
    })
  )
  const body = (yaml: string) =>
    yaml.slice(yaml.indexOf('\napiVersion:')).replace(/hub-launch-kill/, 'my-service-kill')
  assert.equal(body(byId.get('launch-kill')!.yaml), body(init))
})

test('an attach starter does not validate on a Chaos Center until its port is chosen', () => {
  const byId = new Map(loadHubTemplates().map((t) => [t.id, t]))
  for (const id of ['attach-kill', 'attach-proxy-latency']) {
    const yaml = byId.get(id)!.yaml
    // Unchanged: refused, each issue on its line, saying what to do in the editor.
    const error = (() => {
      try {
        loadManifest(yaml)
      } catch (e) {
        return e
      }
      return undefined
    })()
    assert.ok(error instanceof ValidationError, id)
    assert.ok(error.issues.length > 0, id)
    for (const issue of error.issues) {
      assert.equal(
        issue.message,
        'variable ${SERVICE_PORT} is not set: write the value in its place (or ${SERVICE_PORT:-default}); a Chaos Center takes no --set',
        id
      )
      assert.match(yaml.split('\n')[issue.line! - 1]!, /\$\{SERVICE_PORT\}/, id)
    }
    // With the port written in, the attach entry, the URLs and the proxy all use it.
    const experiment = loadManifest(yaml.replaceAll('${SERVICE_PORT}', '8123'))
    assert.deepEqual(
      experiment.system.attach.map((a) => a.port),
      [8123],
      id
    )
    assert.doesNotMatch(yaml, /8080/, `${id} names no port of its own`)
  }
  // The launch starters run as they are.
  assert.ok(loadManifest(byId.get('launch-kill')!.yaml))
  assert.ok(loadManifest(byId.get('launch-proxy-latency')!.yaml))
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
